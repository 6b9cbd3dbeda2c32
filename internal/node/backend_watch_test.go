package node

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/syncbuf"
	"github.com/sidecast/sidecast/internal/testkit"
)

// TestBackendWatch: the watch calls back once per outage that any probe
// saw, never while the backend stays up, and close stops it (twice is fine).
func TestBackendWatch(t *testing.T) {
	tests := []struct {
		name  string
		downs []uint64 // the probe's down count at each tick
		want  int64
	}{
		{"always up", []uint64{0, 0, 0, 0}, 0},
		{"one outage", []uint64{0, 1, 1, 1}, 1},
		{"two outages", []uint64{0, 2, 2, 3, 3}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tick, calls atomic.Int64
			downs := func() uint64 {
				i := min(int(tick.Load())-1, len(tt.downs)-1) // tick 1 is the first probe
				return tt.downs[i]
			}
			probe := func() bool { tick.Add(1); return true }
			w := startBackendWatch(backendWatchConfig{probe: probe, downs: downs, returned: func() { calls.Add(1) },
				every: time.Millisecond, logEvery: time.Hour, log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			testkit.WaitUntil(t, 10*time.Second, "every tick", func() bool { return tick.Load() > int64(len(tt.downs))+2 })
			w.close()
			w.close()
			if got := calls.Load(); got != tt.want {
				t.Fatalf("%d rebuilds, want %d", got, tt.want)
			}
		})
	}
	var none *backendWatch
	none.close() // MIRRORS=off: no watch, close is a no-op
}

// TestBackendWatchLogsOutages: an outage is logged when it starts, then at
// most once per OUTAGE_LOG_INTERVAL however often the probe runs, and once
// when it ends; a backend that stays up is never logged.
func TestBackendWatchLogsOutages(t *testing.T) {
	const every = 10 * time.Second
	tests := []struct {
		name   string
		probes string // one per second: u = up, d = down
		want   []string
	}{
		{"up", "uuuuuuuuuu", nil},
		{"short outage", "uuddduuu", []string{"backend unreachable:", "backend reachable again"}},
		{"long outage", strings.Repeat("d", 35) + "u", []string{"backend unreachable:", "backend still unreachable",
			"backend still unreachable", "backend still unreachable", "backend reachable again"}},
		{"two outages", "udduuddddddddddddu", []string{"backend unreachable:", "backend reachable again",
			"backend unreachable:", "backend still unreachable", "backend reachable again"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			i := 0
			w := &backendWatch{cfg: backendWatchConfig{
				probe: func() bool { return tt.probes[i] == 'u' }, downs: func() uint64 { return 0 },
				logEvery: every, backend: "http://127.0.0.1:3001",
				log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{ReplaceAttr: dropTime})),
			}}
			start := time.Unix(1_700_000_000, 0)
			for i = range tt.probes {
				w.check(start.Add(time.Duration(i) * time.Second))
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
				if line == "" {
					continue
				}
				msg := line[strings.Index(line, "msg=")+4:]
				msg = strings.Trim(msg[:strings.Index(msg, " backend=")], `"`)
				for _, w := range tt.want {
					if strings.HasPrefix(msg, w) {
						msg = w
					}
				}
				got = append(got, msg)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("lines %q, want %q:\n%s", got, tt.want, logs.String())
			}
		})
	}
}

// TestBackendWatchAtStart: a backend down when the node starts is logged
// at once, and says so.
func TestBackendWatchAtStart(t *testing.T) {
	var logs syncbuf.Buffer
	w := startBackendWatch(backendWatchConfig{probe: func() bool { return false }, downs: func() uint64 { return 1 },
		every: time.Hour, logEvery: time.Hour, backend: "http://127.0.0.1:3001", log: slog.New(slog.NewTextHandler(&logs, nil))})
	testkit.WaitUntil(t, 10*time.Second, "the start-up line", func() bool { return strings.Contains(logs.String(), "backend unreachable at start") })
	w.close()
	if n := strings.Count(logs.String(), "\n"); n != 1 {
		t.Fatalf("%d lines, want 1:\n%s", n, logs.String())
	}
}

func dropTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}
