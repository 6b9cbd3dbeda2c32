package proxy

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/syncbuf"
)

// TestBackendFailuresLogOnce: with the backend down, a burst of failed
// upgrades and plain requests gives one log line, not one per request.
func TestBackendFailuresLogOnce(t *testing.T) {
	var logs syncbuf.Buffer
	_, base := newProxy(t, deadBackend(t), func(c *Config) {
		c.FailureLogInterval = time.Hour
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	for range 5 {
		assertBadGateway(t, base)
	}
	if n := strings.Count(logs.String(), "\n"); n != 1 {
		t.Fatalf("%d lines for a burst of 10 failures, want 1:\n%s", n, logs.String())
	}
}

// TestFailureLog: one line per interval at most; the first failure after
// it logs again and counts those held back.
func TestFailureLog(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name  string
		at    []time.Duration // when failures happen, from start
		lines []string        // the count each line carries ("" = none)
	}{
		{"one", []time.Duration{0}, []string{""}},
		{"burst", []time.Duration{0, 1, 2, 3}, []string{""}},
		{"burst, then later", []time.Duration{0, 1, 2, 10 * time.Second}, []string{"", "more_failures_not_logged=2"}},
		{"steady, one a second", []time.Duration{0, time.Second, 2 * time.Second, 3 * time.Second, 4 * time.Second, 5 * time.Second},
			[]string{"", "more_failures_not_logged=1", "more_failures_not_logged=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			f := newFailureLog(slog.New(slog.NewTextHandler(&buf, nil)), 2*time.Second)
			for _, d := range tt.at {
				f.now = func() time.Time { return start.Add(d) }
				f.warn("backend upgrade failed", "err", "refused")
			}
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if len(lines) != len(tt.lines) {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), len(tt.lines), buf.String())
			}
			for i, want := range tt.lines {
				has := strings.Contains(lines[i], "more_failures_not_logged")
				if (want == "" && has) || (want != "" && !strings.HasSuffix(lines[i], want)) {
					t.Errorf("line %d %q, want count %q", i, lines[i], want)
				}
			}
		})
	}
}
