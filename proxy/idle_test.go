//go:build linux && !sidecast_portable

package proxy

import (
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
)

// TestIdleSessionsParkNoGoroutine opens 10, then 500 idle sessions against a
// backend that holds sockets without goroutines, and checks the process's
// goroutine count did not grow with the number of sessions.
func TestIdleSessionsParkNoGoroutine(t *testing.T) {
	rb := newRawBackend(t)
	p, base := newProxy(t, rb.url(), nil)
	pairs := make([]rawPair, 0, 500)
	open := func(n int) int {
		for len(pairs) < n {
			pairs = append(pairs, rb.open(t, base))
		}
		testkit.WaitUntil(t, 10*time.Second, "sessions to register", func() bool { return p.Sessions() == n })
		return settledGoroutines()
	}
	at10 := open(10)
	at500 := open(500)
	t.Logf("goroutines: %d with 10 idle sessions, %d with 500", at10, at500)
	if at500-at10 > 10 {
		t.Fatalf("goroutines grew by %d for 490 more idle sessions", at500-at10)
	}
	// The sessions are idle, not dead: the last one still relays.
	r := newRelayer(pairs[len(pairs)-1], 64)
	if err := r.clientToBackend(); err != nil {
		t.Fatal(err)
	}
	if err := r.backendToClient(); err != nil {
		t.Fatal(err)
	}
}
