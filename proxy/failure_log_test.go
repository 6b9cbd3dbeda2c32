package proxy

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/syncbuf"
	"github.com/sidecast/sidecast/internal/testkit"
)

// TestBackendFailuresLogAtBoundedRate: with the backend down, a burst of
// failed upgrades and plain requests gives one log line; the first failure
// after FailureLogInterval gives the next, which counts those not logged.
func TestBackendFailuresLogAtBoundedRate(t *testing.T) {
	const every = 300 * time.Millisecond
	var logs syncbuf.Buffer
	_, base := newProxy(t, deadBackend(t), func(c *Config) {
		c.FailureLogInterval = every
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	first := time.Now()
	for range 5 {
		assertBadGateway(t, base)
	}
	if time.Since(first) >= every {
		t.Fatalf("the burst took %v, longer than the interval %v: nothing to hold", time.Since(first), every)
	}
	if n := strings.Count(logs.String(), "\n"); n != 1 {
		t.Fatalf("%d lines for a burst of 10 failures, want 1:\n%s", n, logs.String())
	}
	testkit.WaitUntil(t, 10*time.Second, "the interval to pass", func() bool { return time.Since(first) > every })
	assertBadGateway(t, base)
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "more_failures_not_logged=9") {
		t.Fatalf("after the interval: %q, want a second line counting the 9 held", lines)
	}
}
