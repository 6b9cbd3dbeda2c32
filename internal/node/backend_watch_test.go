package node

import (
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

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
			w := startBackendWatch(probe, downs, func() { calls.Add(1) }, time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
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
