//go:build linux && !sidecast_portable

package proxy

import (
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
)

// TestEIOIdleSessionsParkNoGoroutine: Engine.IO sessions on the websocket
// transport park no goroutine either (their heartbeat is a runtime timer).
// Only the epoll poller promises that: the portable fallback spends two
// goroutines per connection by design.
func TestEIOIdleSessionsParkNoGoroutine(t *testing.T) {
	rb := newEIORawBackend(t)
	p, base := newProxy(t, rb.url(), func(c *Config) { c.Protocol = ProtocolSocketIO })
	pairs := make([]*eioWSPair, 0, 300)
	open := func(n int) int {
		for len(pairs) < n {
			pairs = append(pairs, openEIOWSPair(t, rb, base))
		}
		testkit.WaitUntil(t, 10*time.Second, "sessions to register", func() bool { return p.Sessions() == n })
		return settledGoroutines()
	}
	at10 := open(10)
	at300 := open(300)
	t.Logf("goroutines: %d with 10 idle Engine.IO sessions, %d with 300", at10, at300)
	if at300-at10 > 10 {
		t.Fatalf("goroutines grew by %d for 290 more idle sessions", at300-at10)
	}
	last := pairs[len(pairs)-1]
	if err := last.clientToBackend(); err != nil {
		t.Fatal(err)
	}
	if err := last.backendToClient(); err != nil {
		t.Fatal(err)
	}
}
