package sticky

import (
	"context"
	"net"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/proxy"
)

// TestRelayWebSocketInPoller: with Config.RelayWebSocket set to the proxy's,
// a websocket upgrade for a peer's session is relayed by the proxy's poller:
// it works both ways, and the relaying side adds no goroutine per relay
// (the in-process owner's echo handlers hold one each).
func TestRelayWebSocketInPoller(t *testing.T) {
	px, err := proxy.New(proxy.Config{Backend: &url.URL{Scheme: "http", Host: "127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = px.Close() })
	c := newTestCluster(t, []string{"a", "b"}, func(cfg *Config) {
		cfg.Secret = []byte("s")
		if cfg.NodeID == "a" {
			cfg.RelayWebSocket = px.RelayWebSocket
		}
	})
	a, b := c.node("a"), c.node("b")
	base := "ws" + strings.TrimPrefix(a.srv.URL, "http") + "/socket.io/?EIO=4&transport=websocket&sid="

	const n = 20
	before := settledGoroutines()
	conns := make([]net.Conn, 0, n)
	t.Cleanup(func() {
		for _, conn := range conns {
			conn.Close()
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := range n {
		conn, _, _, err := ws.Dial(ctx, base+b.newSID())
		if err != nil {
			t.Fatalf("dial %d through a: %v", i, err)
		}
		conns = append(conns, conn)
		if err := wsutil.WriteClientText(conn, []byte("2probe")); err != nil {
			t.Fatal(err)
		}
		if msg, err := wsutil.ReadServerText(conn); err != nil || string(msg) != "b:2probe" {
			t.Fatalf("relay %d: reply %q, %v; want b's echo", i, msg, err)
		}
	}
	if got := px.Sessions(); got != n {
		t.Errorf("the proxy holds %d relays, want %d", got, n)
	}
	// Every relay still works after the others opened.
	for i, conn := range conns {
		if err := wsutil.WriteClientText(conn, []byte("3")); err != nil {
			t.Fatal(err)
		}
		if msg, err := wsutil.ReadServerText(conn); err != nil || string(msg) != "b:3" {
			t.Fatalf("relay %d later: %q, %v", i, msg, err)
		}
	}
	if st := a.router.Stats(); st.Forwarded != n {
		t.Errorf("a's stats %+v, want %d forwards", st, n)
	}
	// b's echo handlers hold one goroutine per connection; a reverse proxy
	// would add three more per relay on a.
	added := settledGoroutines() - before
	t.Logf("%d goroutines for %d relays (owner's handlers included)", added, n)
	if added > n+n/2 {
		t.Fatalf("%d goroutines for %d relays: the relays hold goroutines", added, n)
	}
}

// settledGoroutines returns the goroutine count once it stopped changing
// (connections' last goroutines exit a moment after their work).
func settledGoroutines() int {
	last := runtime.NumGoroutine()
	for range 50 {
		time.Sleep(20 * time.Millisecond) // sampling a count, not waiting for a condition
		now := runtime.NumGoroutine()
		if now == last {
			return now
		}
		last = now
	}
	return last
}
