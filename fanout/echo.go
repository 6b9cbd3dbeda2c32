package fanout

import (
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/sidecast/sidecast/proxy"
)

// The echo detector helps operators find LOCAL_EVENTS: an identical frame
// that reaches one session from its home backend and from a mirror within
// EchoWindow is an event every backend emits for the same cause. It is
// counted per event name and logged once per name with a suggested entry.

const echoRingSize = 8

// echoRing remembers a session's last frames; it is guarded by the
// session's mu.
type echoRing struct {
	hash [echoRingSize]uint64
	at   [echoRingSize]int64
	home [echoRingSize]bool
	next int
}

// seen records a frame and reports an echo when the same frame came from
// the other source within the window.
func (r *echoRing) seen(c *Cluster, u proxy.Unit, info *unitInfo, fromHome bool) {
	h := hashUnit(u)
	now := time.Now().UnixNano()
	window := c.cfg.EchoWindow.Nanoseconds()
	for i := range echoRingSize {
		if r.hash[i] == h && r.home[i] != fromHome && r.at[i] != 0 && now-r.at[i] <= window {
			c.echo.count(info)
			r.at[i] = 0 // one echo per pair
			break
		}
	}
	r.hash[r.next], r.at[r.next], r.home[r.next] = h, now, fromHome
	r.next = (r.next + 1) % echoRingSize
}

// hashUnit is FNV-1a over every part.
func hashUnit(u proxy.Unit) uint64 {
	h := uint64(14695981039346656037)
	for _, p := range u.Parts {
		for _, b := range p {
			h ^= uint64(b)
			h *= 1099511628211
		}
		h ^= 0xff
		h *= 1099511628211
	}
	return h
}

// echoStats counts suspected echoes per event name.
type echoStats struct {
	log    *slog.Logger
	mu     sync.Mutex
	counts map[string]uint64
}

func newEchoStats(log *slog.Logger) *echoStats {
	return &echoStats{log: log, counts: make(map[string]uint64)}
}

func (e *echoStats) count(info *unitInfo) {
	name := string(info.event)
	if info.kind != unitEvent {
		name = "(not an event)"
	}
	e.mu.Lock()
	e.counts[name]++
	first := e.counts[name] == 1
	e.mu.Unlock()
	if first {
		e.log.Warn("fanout: a session got the same event from its home backend and from a mirror; "+
			"if every backend emits it for the same cause, add it to LOCAL_EVENTS",
			"event", name, "suggested", "LOCAL_EVENTS="+name)
	}
}

func (e *echoStats) snapshot() map[string]uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return maps.Clone(e.counts)
}
