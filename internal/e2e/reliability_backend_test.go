package e2e

import (
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/sidecast/sidecast/examples/wschat"
	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// TestBackendDiesAndReturns: when node-a's backend dies its client is
// closed with 1011 and node-a reports the backend down, node-b keeps
// serving, and when the backend returns node-a rebuilds the mirrors of
// node-b's sessions on it and its clients chat across nodes again.
func TestBackendDiesAndReturns(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	backA := startRestartableChat(t)
	nodes := startPairWith(t, rs.URL(), [2]string{backA.url(), startChat(t).URL}, nil)
	a, b := nodes[0], nodes[1]
	alice := joinRoom(t, a.base, "alice", "r")
	bob := joinRoom(t, b.base, "bob", "r")
	crossNodeSay(t, alice, bob, "r", "before")
	mirrors := func(n *pairNode) float64 { return scrape(t, n.ops)["sidecast_mirrors"] }
	testkit.WaitUntil(t, procWait, "one mirror on each node", func() bool { return mirrors(a) == 1 && mirrors(b) == 1 })

	died := time.Now()
	backA.kill()
	alice.WaitClosed(procWait)
	t.Logf("alice closed with %d %s after the backend died", alice.CloseCode(), time.Since(died))
	if alice.CloseCode() != ws.StatusInternalServerError {
		t.Fatalf("alice closed with %d, want 1011", alice.CloseCode())
	}
	testkit.WaitUntil(t, procWait, "node-a to report its backend down", func() bool {
		h, code := getHealth(a.base)
		return code == http.StatusServiceUnavailable && h["backend"] == false
	})
	dave := joinRoom(t, b.base, "dave", "r")
	crossNodeSay(t, bob, dave, "r", "node-b still serves")

	backA.restart(t)
	back := time.Now()
	testkit.WaitUntil(t, procWait, "node-a healthy again", func() bool {
		h, code := getHealth(a.base)
		return code == http.StatusOK && h["backend"] == true
	})
	took := testkit.WaitUntil(t, procWait, "node-a to rebuild bob's and dave's mirrors", func() bool { return mirrors(a) == 2 })
	t.Logf("mirrors rebuilt on node-a %s after the backend returned (%s after health)", time.Since(back), took)
	alice = joinRoom(t, a.base, "alice", "r")
	t.Logf("a→b after the return: %s", crossNodeSay(t, alice, bob, "r", "after"))
	crossNodeSay(t, alice, dave, "r", "after, to dave")
}

// restartableChat is the example backend on a fixed loopback address that
// a test can stop and start again.
type restartableChat struct {
	addr   string
	mu     sync.Mutex
	chat   *wschat.Server
	srv    *http.Server
	done   chan struct{}
	connMu sync.Mutex
	conns  map[net.Conn]struct{} // every connection, hijacked ones too; under connMu
}

func startRestartableChat(t *testing.T) *restartableChat {
	t.Helper()
	ln := testkit.ListenLoopback(t)
	c := &restartableChat{addr: ln.Addr().String()}
	c.serve(ln)
	t.Cleanup(c.kill)
	return c
}

func (c *restartableChat) url() string { return "http://" + c.addr }

func (c *restartableChat) serve(ln net.Listener) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.chat = wschat.NewServer(wschat.Options{})
	c.connMu.Lock()
	c.conns = make(map[net.Conn]struct{})
	c.connMu.Unlock()
	c.srv = &http.Server{Handler: c.chat, ReadHeaderTimeout: 10 * time.Second, ConnState: c.track}
	c.done = make(chan struct{})
	go c.serveLoop(c.srv, ln, c.done)
}

func (c *restartableChat) serveLoop(srv *http.Server, ln net.Listener, done chan struct{}) {
	defer close(done)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		panic(err)
	}
}

// track runs on the server's goroutines.
func (c *restartableChat) track(conn net.Conn, state http.ConnState) {
	c.connMu.Lock()
	defer c.connMu.Unlock()
	if state == http.StateNew && c.conns != nil {
		c.conns[conn] = struct{}{}
	}
}

// kill closes the listener and every connection at once, without a
// WebSocket close, as a crash does.
func (c *restartableChat) kill() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.srv == nil {
		return
	}
	_ = c.srv.Close()
	c.connMu.Lock()
	for conn := range c.conns {
		_ = conn.Close()
	}
	c.conns = nil
	c.connMu.Unlock()
	_ = c.chat.Close() // its writes fail now; this stops its goroutines
	<-c.done
	c.srv = nil
}

// restart listens on the same address again.
func (c *restartableChat) restart(t *testing.T) {
	t.Helper()
	var ln net.Listener
	testkit.WaitUntil(t, procWait, "the backend's port free again", func() bool {
		var err error
		ln, err = net.Listen("tcp", c.addr)
		return err == nil
	})
	c.serve(ln)
}
