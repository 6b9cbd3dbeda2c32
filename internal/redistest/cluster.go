package redistest

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// clusterTimeout bounds cluster creation, convergence and failover; it is
// generous because six processes share a loaded machine.
const clusterTimeout = 60 * time.Second

// ClusterConfig describes a local Redis Cluster. The zero value is three
// masters with one replica each, no authentication.
type ClusterConfig struct {
	// Masters is the number of shards; 0 means 3 (the minimum Redis accepts).
	Masters int
	// Replicas per master; 0 means 1, negative means none.
	Replicas int
	// NodeTimeout is cluster-node-timeout; 0 means 1s.
	NodeTimeout time.Duration
	// Server is the template for every node (Password, Users, Extra); its
	// Cluster fields are set by StartCluster. TLS is not supported here.
	Server Config
}

// Cluster is a running local Redis Cluster: every node is a Server that
// t.Cleanup kills.
type Cluster struct {
	t     testing.TB
	cfg   ClusterConfig
	nodes []*Server

	mu      sync.Mutex
	clients map[string]*redis.Client // by address; closed by t.Cleanup
}

// StartCluster starts the nodes on free loopback ports, joins them with
// `redis-cli --cluster create`, and waits until every node reports
// cluster_state:ok, knows every other node, and every replica is in sync.
func StartCluster(t testing.TB, cfg ClusterConfig) *Cluster {
	t.Helper()
	if cfg.Masters <= 0 {
		cfg.Masters = 3
	}
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
	}
	cfg.Replicas = max(cfg.Replicas, 0)
	if cfg.Server.TLS != nil {
		t.Fatal("redistest: TLS clusters are not supported")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Fatalf("redistest: redis-cli is not installed (install the redis-tools package): %v", err)
	}
	c := &Cluster{t: t, cfg: cfg, clients: map[string]*redis.Client{}}
	t.Cleanup(c.closeClients)
	node := cfg.Server
	node.Cluster, node.ClusterNodeTimeout = true, cfg.NodeTimeout
	for i := 0; i < cfg.Masters*(1+cfg.Replicas); i++ {
		c.nodes = append(c.nodes, Start(t, node))
	}
	args := []string{"--cluster", "create"}
	args = append(args, c.Addrs()...)
	args = append(args, "--cluster-replicas", fmt.Sprint(cfg.Replicas), "--cluster-yes")
	if p := cfg.Server.Password; p != "" {
		args = append(args, "-a", p, "--no-auth-warning")
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	if err := c.WaitHealthy(clusterTimeout); err != nil {
		t.Fatalf("redistest: cluster did not converge: %v", err)
	}
	return c
}

// Nodes returns every node, masters and replicas, in start order.
func (c *Cluster) Nodes() []*Server { return c.nodes }

// Addrs returns every node's host:port.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.nodes))
	for i, s := range c.nodes {
		out[i] = s.Addr()
	}
	return out
}

// URL returns the seed list as sidecast's REDIS_URL accepts it:
// redis://host:port,host:port,… (every node; any one would do).
func (c *Cluster) URL() string { return "redis://" + strings.Join(c.Addrs(), ",") }

// Node returns the server listening on addr, or nil.
func (c *Cluster) Node(addr string) *Server {
	for _, s := range c.nodes {
		if s.Addr() == addr {
			return s
		}
	}
	return nil
}

// Client returns a plain client for one node (the default user, with the
// template's password); the cluster closes it at cleanup.
func (c *Cluster) Client(s *Server) *redis.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := c.clients[s.Addr()]
	if cl == nil {
		cl = redis.NewClient(&redis.Options{
			Addr: s.Addr(), Password: c.cfg.Server.Password, Protocol: 2,
			DisableIdentity: true, MaxRetries: -1, DialTimeout: 2 * time.Second,
		})
		c.clients[s.Addr()] = cl
	}
	return cl
}

// Info returns one INFO section of node s.
func (c *Cluster) Info(ctx context.Context, s *Server, section string) (string, error) {
	return c.Client(s).Info(ctx, section).Result()
}

func (c *Cluster) closeClients() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cl := range c.clients {
		_ = cl.Close()
	}
}
