package fanout

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/examples/wschat"
	"github.com/sidecast/sidecast/internal/testkit"
	"github.com/sidecast/sidecast/proxy"
)

// testNode is one in-process sidecast node: a backend, the proxy in front
// of it, a bus on the test's network, the registry and the cluster.
type testNode struct {
	id         string
	bus        Bus
	reg        *Registry
	cl         *Cluster
	px         *proxy.Server
	front      *httptest.Server
	backendURL string // set by tests that talk to the backend directly
}

// wsClusterConfig is the wschat configuration: join/leave are membership,
// joined/left are emitted by every backend for the same cause.
func wsClusterConfig() ClusterConfig {
	return ClusterConfig{
		MirrorEvents:   []string{"join", "leave"},
		LocalEvents:    []EventMatch{{Name: "joined"}, {Name: "left"}},
		BarrierTimeout: 3 * time.Second, ReplyTimeout: time.Second,
		ReleaseGrace: 20 * time.Millisecond, Logger: testLogger(nil),
	}
}

// startWSNode starts a node in front of its own wschat backend.
func startWSNode(t *testing.T, n *network, id string, cfg ClusterConfig) *testNode {
	t.Helper()
	chat := wschat.NewServer(wschat.Options{})
	backend := httptest.NewServer(chat)
	t.Cleanup(func() { chat.Close(); backend.Close() })
	u, _ := url.Parse(backend.URL)
	return startNodeOn(t, n, id, u, proxy.ProtocolWebSocket, cfg)
}

func startNodeOn(t *testing.T, n *network, id string, backend *url.URL, p proxy.Protocol, cfg ClusterConfig, mods ...func(*BusConfig)) *testNode {
	t.Helper()
	return startNodeTimed(t, n, id, backend, p, cfg, 100*time.Millisecond, 400*time.Millisecond, mods...)
}

// startNodeTimed is startNodeOn with the registry's heartbeat interval and
// TTL: the fast ones declare a node dead after a 400ms pause, which a long
// run on a loaded machine sees.
func startNodeTimed(t *testing.T, n *network, id string, backend *url.URL, p proxy.Protocol, cfg ClusterConfig, heartbeat, ttl time.Duration, mods ...func(*BusConfig)) *testNode {
	t.Helper()
	tn := &testNode{id: id}
	bc := fastConfig(id)
	for _, m := range mods {
		m(&bc)
	}
	px, err := proxy.New(proxy.Config{Protocol: p, Backend: backend, Logger: testLogger(nil)})
	if err != nil {
		t.Fatal(err)
	}
	tn.px = px
	tn.bus = n.bus(t, bc)
	var cl atomic.Pointer[Cluster]
	tn.reg, err = NewRegistry(tn.bus, RegistryConfig{
		HeartbeatInterval: heartbeat, TTL: ttl, Logger: testLogger(nil),
		OnChange: func(ev PeerEvent) {
			if c := cl.Load(); c != nil {
				c.OnPeer(ev)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tn.reg.Start(ctx); err != nil {
		t.Fatal(err)
	}
	tn.cl = NewCluster(tn.bus, tn.reg, px, cfg)
	if err := tn.cl.Start(ctx); err != nil {
		t.Fatal(err)
	}
	cl.Store(tn.cl)
	px.SetCluster(tn.cl)
	tn.front = httptest.NewServer(px)
	t.Cleanup(tn.stop)
	return tn
}

// stop shuts the node down in the order main does.
func (tn *testNode) stop() {
	tn.front.CloseClientConnections()
	tn.front.Close()
	_ = tn.cl.Close()
	_ = tn.px.Close()
	_ = tn.reg.Close()
}

// waitPeers waits until every node sees all the others.
func waitPeers(t *testing.T, nodes ...*testNode) {
	t.Helper()
	testkit.WaitUntil(t, 10*time.Second, "nodes see each other", func() bool {
		for _, n := range nodes {
			if len(n.reg.Peers()) != len(nodes)-1 {
				return false
			}
		}
		return true
	})
}

// chatClient is a wschat client; its readLoop (owned by the test's
// cleanup, which closes the connection and waits) collects every message.
type chatClient struct {
	t    *testing.T
	name string
	eio  bool // the same JSON in Engine.IO message packets ("4{…}")
	conn net.Conn
	mu   sync.Mutex
	got  []map[string]any
	at   []time.Time // when each of got arrived
	done chan struct{}
}

func dialChat(t *testing.T, node *testNode, user string) *chatClient {
	t.Helper()
	return dialChatAt(t, node, "/?user="+user, user, false, nil)
}

// dialChatAt dials path on node with extra upgrade headers h (a browser's
// Origin; nil for none). Nothing the server sends before the client speaks
// matters (an Engine.IO open packet, which may come with the 101), so bytes
// read ahead are dropped.
func dialChatAt(t *testing.T, node *testNode, path, user string, eio bool, h http.Header) *chatClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := ws.Dialer{Header: ws.HandshakeHeaderHTTP(h)}
	conn, br, _, err := d.Dial(ctx, "ws"+node.front.URL[len("http"):]+path)
	if err != nil {
		t.Fatalf("dial %s: %v", node.id, err)
	}
	if br != nil {
		ws.PutReader(br)
	}
	c := &chatClient{t: t, name: user, eio: eio, conn: conn, done: make(chan struct{})}
	go c.readLoop()
	t.Cleanup(func() { conn.Close(); <-c.done })
	return c
}

func (c *chatClient) readLoop() {
	defer close(c.done)
	for {
		p, err := wsutil.ReadServerText(c.conn)
		if err != nil {
			return
		}
		now := time.Now()
		if c.eio {
			if len(p) == 0 || p[0] != '4' {
				continue // the open packet; pings are far apart
			}
			p = p[1:]
		}
		var m map[string]any
		if json.Unmarshal(p, &m) == nil {
			c.mu.Lock()
			c.got = append(c.got, m)
			c.at = append(c.at, now)
			c.mu.Unlock()
		}
	}
}

func (c *chatClient) send(v map[string]any) {
	c.t.Helper()
	p, _ := json.Marshal(v)
	if c.eio {
		p = append([]byte("4"), p...)
	}
	if err := wsutil.WriteClientText(c.conn, p); err != nil {
		c.t.Fatalf("%s send: %v", c.name, err)
	}
}

// count returns how many received messages match every key of want.
func (c *chatClient) count(want map[string]any) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, m := range c.got {
		if matches(m, want) {
			n++
		}
	}
	return n
}

func matches(m, want map[string]any) bool {
	for k, v := range want {
		if m[k] != v {
			return false
		}
	}
	return true
}

// waitFor waits until c got exactly n messages matching want (more fails at once).
func (c *chatClient) waitFor(want map[string]any, n int) {
	c.t.Helper()
	testkit.WaitUntil(c.t, 10*time.Second, c.name+" receives its messages", func() bool {
		got := c.count(want)
		if got > n {
			c.t.Fatalf("%s got %d messages matching %v, want %d", c.name, got, want, n)
		}
		return got == n
	})
}
