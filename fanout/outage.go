package fanout

import (
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// OutageLog folds the failures of one dependency (Redis) into a bounded
// number of log lines: an ERROR when the first failure starts an outage, a
// WARN summary (failures since the last line, the latest error) at most
// every interval while failures go on, and an INFO when every part that
// failed has succeeded again. Parts that retry on their own schedule (the
// bus's subscription and publisher, the registry's heartbeat and listing)
// report to one OutageLog per node, so a node logs one outage, not one
// line per retry. Safe for concurrent use; Succeeded is one atomic load
// while no outage lasts, cheap enough for every publish batch.
type OutageLog struct {
	log   *slog.Logger
	what  string
	every time.Duration

	active atomic.Bool // an outage lasts; written under mu

	mu       sync.Mutex
	failing  map[string]struct{} // parts whose last attempt failed
	since    time.Time           // the outage's first failure
	lastLine time.Time
	failures uint64 // since the last line
	total    uint64 // since the outage started
	lastErr  error
}

// DefaultOutageInterval is the summary period of an OutageLog built with 0.
const DefaultOutageInterval = 30 * time.Second

// NewOutageLog returns the outage log of what (e.g. "redis"), summarising
// every interval (0 means DefaultOutageInterval). A nil logger means
// slog.Default().
func NewOutageLog(logger *slog.Logger, what string, interval time.Duration) *OutageLog {
	if logger == nil {
		logger = slog.Default()
	}
	if interval <= 0 {
		interval = DefaultOutageInterval
	}
	return &OutageLog{log: logger, what: what, every: interval, failing: make(map[string]struct{})}
}

// Failed records that part's attempt failed with err; attrs add context
// to the line that starts an outage.
func (o *OutageLog) Failed(part string, err error, attrs ...any) {
	now := time.Now()
	o.mu.Lock()
	defer o.mu.Unlock()
	o.failing[part] = struct{}{}
	o.lastErr = err
	if !o.active.Load() {
		o.active.Store(true)
		o.since, o.lastLine, o.failures, o.total = now, now, 0, 1
		o.log.Error("fanout: "+o.what+" unavailable; node runs degraded (local delivery only), retrying",
			append([]any{"part", part, "err", err}, attrs...)...)
		return
	}
	o.failures++
	o.total++
	if now.Sub(o.lastLine) < o.every {
		return
	}
	o.log.Warn("fanout: "+o.what+" still unavailable; node runs degraded (local delivery only), retrying",
		"for", now.Sub(o.since).Round(time.Millisecond), "failures", o.failures, "failing", o.failingParts(), "err", err)
	o.lastLine, o.failures = now, 0
}

// Succeeded records that part's attempt succeeded; the outage ends when no
// part is failing any more.
func (o *OutageLog) Succeeded(part string) {
	if !o.active.Load() {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.failing, part)
	if len(o.failing) > 0 || !o.active.Load() {
		return
	}
	o.active.Store(false)
	o.log.Info("fanout: "+o.what+" available again; the outage is over",
		"lasted", time.Since(o.since).Round(time.Millisecond), "failures", o.total, "last_err", o.lastErr)
	o.lastErr = nil
}

// Active reports whether an outage lasts.
func (o *OutageLog) Active() bool { return o.active.Load() }

// failingParts lists the failing parts for the summary; callers hold mu.
func (o *OutageLog) failingParts() []string {
	parts := make([]string, 0, len(o.failing))
	for p := range o.failing {
		parts = append(parts, p)
	}
	slices.Sort(parts)
	return parts
}
