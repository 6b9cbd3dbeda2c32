package proxy

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/sidecast/sidecast/internal/testkit"
)

// TestDrainOneWebSocket: each DrainOne closes one open session, the client
// with 1001 and its backend leg too; once none is open it reports false.
func TestDrainOneWebSocket(t *testing.T) {
	backend := newEchoBackend(t)
	p, base := newProxy(t, backend.url(), nil)
	var clients []net.Conn
	for _, path := range []string{"/a", "/b", "/c"} {
		clients = append(clients, dial(t, base, path))
	}
	testkit.WaitUntil(t, 10*time.Second, "three sessions", func() bool { return p.Transports().WebSocket == 3 })
	for i := range clients {
		if !p.DrainOne() {
			t.Fatalf("DrainOne %d found no open session", i)
		}
	}
	if p.DrainOne() {
		t.Fatal("DrainOne found a session after every one was drained")
	}
	for i, c := range clients {
		if reason := expectClose(t, c, ws.StatusGoingAway); reason != drainReason {
			t.Errorf("client %d: close reason %q, want %q", i, reason, drainReason)
		}
	}
	testkit.WaitUntil(t, 10*time.Second, "backend legs closed with 1001", func() bool {
		backend.mu.Lock()
		defer backend.mu.Unlock()
		n := 0
		for _, code := range backend.close {
			if code == ws.StatusGoingAway {
				n++
			}
		}
		return n == len(clients)
	})
	testkit.WaitUntil(t, 10*time.Second, "sessions gone", func() bool { return p.Sessions() == 0 && p.Transports() == Transports{} })
}

// TestDrainOneEngineIO: a long-polling session gets the Engine.IO close
// packet, a websocket one its websocket closed; the backend sees a
// transport close for each, as when a client leaves.
func TestDrainOneEngineIO(t *testing.T) {
	p, base, backend := newSocketIOProxy(t)
	sid := pollConnect(t, base, "drain-poll")
	conn := wsConnect(t, base, "drain-ws")
	if got := p.Transports(); got != (Transports{WebSocket: 1, Polling: 1}) {
		t.Fatalf("Transports() = %+v, want one of each", got)
	}
	for i := range 2 {
		if !p.DrainOne() {
			t.Fatalf("DrainOne %d found no open session", i)
		}
	}
	if p.DrainOne() {
		t.Fatal("DrainOne found a session after both were drained")
	}
	expectPollClosed(t, base, sid)
	expectWSClosed(t, conn)
	for _, user := range []string{"drain-poll", "drain-ws"} {
		if reason := backendDisconnect(t, backend.URL, user); !strings.Contains(reason, "transport") {
			t.Errorf("backend saw %s leave with %q, want a transport close", user, reason)
		}
	}
	testkit.WaitUntil(t, 10*time.Second, "sessions gone", func() bool { return p.Transports() == Transports{} })
}

// TestDrainMany: Drain closes at most n sessions per call and counts them.
func TestDrainMany(t *testing.T) {
	backend := newEchoBackend(t)
	p, base := newProxy(t, backend.url(), nil)
	for i := range 5 {
		dial(t, base, "/m"+string(rune('a'+i)))
	}
	testkit.WaitUntil(t, 10*time.Second, "five sessions", func() bool { return p.Transports().WebSocket == 5 })
	for _, want := range []int{2, 2, 1, 0} {
		if got := p.Drain(2); got != want {
			t.Fatalf("Drain(2) = %d, want %d", got, want)
		}
	}
}
