package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/sidecast/sidecast/fanout"
	"github.com/sidecast/sidecast/internal/config"
	"github.com/sidecast/sidecast/internal/difftest"
	"github.com/sidecast/sidecast/internal/node"
	"github.com/sidecast/sidecast/internal/ops"
	"github.com/sidecast/sidecast/internal/testkit"
)

// clusterWorld is a cluster of sidecast nodes, each in front of its own
// backend: in one process on the in-memory bus, or as separate sidecast
// processes over a real redis-server.
type clusterWorld struct {
	t        *testing.T // owns the nodes: they stop when it ends
	name     string
	redisURL string // "" for the in-memory bus
	hub      *fanout.MemoryHub
	env      map[string]string
	backends []string
	nodes    []*diffNode
	logDir   string
}

// diffNode is one sidecast of a clusterWorld.
type diffNode struct {
	id      string
	url     string
	metrics string // base URL of METRICS_PORT
	env     map[string]string
	mem     *node.Node       // in-process node (in-memory bus)
	proc    *testkit.Process // process (Redis)
	exited  <-chan struct{}
	started bool
	paused  bool
}

var diffWorldSeq int

// newClusterWorld prepares one node per backend with env on top of the
// backend kind's settings and starts every node not listed in late.
func newClusterWorld(t *testing.T, name, redisURL string, kind difftest.Backend, backends []string, env map[string]string, late []int) *clusterWorld {
	t.Helper()
	diffWorldSeq++
	logDir, err := os.MkdirTemp("", "difftest-"+name+"-")
	if err != nil {
		t.Fatal(err)
	}
	w := &clusterWorld{t: t, name: name, redisURL: redisURL, backends: backends, logDir: logDir,
		env: maps.Clone(difftest.DefaultEnv)}
	maps.Copy(w.env, kind.Settings())
	maps.Copy(w.env, env)
	if redisURL == "" {
		w.hub = fanout.NewMemoryHub()
	} else {
		w.env["REDIS_URL"] = redisURL
		w.env["REDIS_ADAPTER_KEY"] = fmt.Sprintf("difftest%d", diffWorldSeq)
	}
	for k := range backends {
		w.nodes = append(w.nodes, w.prepare(k))
	}
	t.Cleanup(w.stopAll)
	for k := range backends {
		if !slices.Contains(late, k) {
			if err := w.StartLate(k); err != nil {
				t.Fatal(err)
			}
		}
	}
	return w
}

func (w *clusterWorld) prepare(k int) *diffNode {
	w.t.Helper()
	port, err := testkit.Port()
	if err != nil {
		w.t.Fatal(err)
	}
	mport, err := testkit.Port()
	if err != nil {
		w.t.Fatal(err)
	}
	n := &diffNode{id: fmt.Sprintf("n%d", k), url: "http://127.0.0.1:" + strconv.Itoa(port),
		metrics: "http://127.0.0.1:" + strconv.Itoa(mport), env: maps.Clone(w.env)}
	n.env["SERVER_ID"] = n.id
	n.env["SERVER_PORT"] = strconv.Itoa(port)
	n.env["METRICS_PORT"] = strconv.Itoa(mport)
	n.env["ADMIN_TOKEN"] = diffAdminToken
	n.env["BACKEND_URL"] = w.backends[k]
	n.env["LOG_LEVEL"] = "debug"
	n.env["DRAIN_TIMEOUT"] = "3s"
	if w.redisURL == "" {
		n.env["REDIS_ENABLED"] = "false"
	}
	return n
}

func (w *clusterWorld) Oracle() bool            { return false }
func (w *clusterWorld) ClientURL(k int) string  { return w.nodes[k].url }
func (w *clusterWorld) BackendURL(k int) string { return w.backends[k] }

// StartLate starts node k and waits until it answers its health path and
// every running node sees the others as peers: a node serves before it
// has joined the cluster (it never waits for Redis), and a scenario that
// pauses or kills a node at once needs the cluster joined first.
func (w *clusterWorld) StartLate(k int) error {
	n := w.nodes[k]
	logf, err := os.Create(filepath.Join(w.logDir, n.id+".log"))
	if err != nil {
		return err
	}
	if w.redisURL == "" {
		err = w.startInProcess(n, logf)
	} else {
		err = w.startProcess(n, logf)
	}
	if err != nil {
		return fmt.Errorf("%s: start %s: %w (log %s)", w.name, n.id, err, logf.Name())
	}
	n.started = true
	if err := testkit.WaitHTTP(n.url+"/health", 20*time.Second, n.exited); err != nil {
		return fmt.Errorf("%s: %s not healthy: %w (log %s)", w.name, n.id, err, logf.Name())
	}
	if err := w.awaitJoined(20 * time.Second); err != nil {
		return fmt.Errorf("%s: %s: %w (log %s)", w.name, n.id, err, logf.Name())
	}
	return nil
}

// awaitJoined polls the health of every running node (started, not
// exited, not paused) until each counts the others among its peers (a
// killed node may still count until its record expires).
func (w *clusterWorld) awaitJoined(within time.Duration) error {
	var running []*diffNode
	for _, n := range w.nodes {
		if n.started && !n.paused && !isClosed(n.exited) {
			running = append(running, n)
		}
	}
	deadline := time.Now().Add(within)
	for _, n := range running {
		for peersOf(n.url) < len(running)-1 {
			if time.Now().After(deadline) {
				return fmt.Errorf("%s sees %d peers after %v, want %d", n.id, peersOf(n.url), within, len(running)-1)
			}
			time.Sleep(10 * time.Millisecond) // polling a condition with a deadline
		}
	}
	return nil
}

// peersOf reads the peer count from a node's health, -1 when unreadable.
func peersOf(base string) int {
	resp, err := http.Get(base + "/health")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var h struct {
		Peers int `json:"peers"`
	}
	if json.NewDecoder(resp.Body).Decode(&h) != nil {
		return -1
	}
	return h.Peers
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func (w *clusterWorld) startInProcess(n *diffNode, logf *os.File) error {
	cfg, err := config.Load(n.env)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", n.url[len("http://"):])
	if err != nil {
		return err
	}
	n.mem, err = node.Start(context.Background(), cfg, ops.NewLogger(cfg, logf), ln, w.hub)
	if err != nil {
		_ = ln.Close()
		return err
	}
	n.exited = make(chan struct{}) // an in-process node ends only in stop, never on its own
	return nil
}

func (w *clusterWorld) startProcess(n *diffNode, logf *os.File) error {
	vars := make([]string, 0, len(n.env))
	for k, v := range n.env {
		vars = append(vars, k+"="+v)
	}
	p, err := testkit.StartProcess(testkit.ProcessConfig{Path: sidecastBin, Env: vars, Output: logf})
	if err != nil {
		return err
	}
	n.proc, n.exited = p, p.Exited()
	return nil
}

func (w *clusterWorld) signal(k int, sig syscall.Signal) error {
	n := w.nodes[k]
	if n.proc == nil {
		return fmt.Errorf("%s: node %d is not a process: signal %v needs the Redis run", w.name, k, sig)
	}
	return n.proc.Signal(sig)
}

// Kill sends SIGKILL to node k and waits until it is gone.
func (w *clusterWorld) Kill(k int) error {
	if err := w.signal(k, syscall.SIGKILL); err != nil {
		return err
	}
	<-w.nodes[k].exited
	return nil
}

// Pause stops node k with SIGSTOP; Resume continues it with SIGCONT.
func (w *clusterWorld) Pause(k int) error {
	w.nodes[k].paused = true
	return w.signal(k, syscall.SIGSTOP)
}

func (w *clusterWorld) Resume(k int) error {
	w.nodes[k].paused = false
	return w.signal(k, syscall.SIGCONT)
}

// stopAll stops every started node: in-process nodes shut down, processes
// get SIGCONT (one may be paused) and SIGTERM, then SIGKILL. The node logs
// stay when the test failed, for the failure message points at them, or
// when DIFFTEST_KEEP_LOGS is set.
func (w *clusterWorld) stopAll() {
	defer func() {
		if !w.t.Failed() && os.Getenv("DIFFTEST_KEEP_LOGS") == "" {
			_ = os.RemoveAll(w.logDir)
		}
	}()
	for _, n := range w.nodes {
		if !n.started {
			continue
		}
		if n.mem != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = n.mem.Shutdown(ctx)
			cancel()
			continue
		}
		_ = n.proc.Signal(syscall.SIGCONT) // a paused node cannot handle SIGTERM
		n.proc.Stop()
	}
}

// logs names the node log files, for failure messages.
func (w *clusterWorld) logs() string { return w.logDir }
