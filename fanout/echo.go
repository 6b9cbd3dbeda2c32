package fanout

import (
	"bytes"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/sidecast/sidecast/proxy"
)

// The echo detector helps operators find LOCAL_EVENTS: a frame that
// reaches one session from its home backend and from a mirror within
// EchoWindow, the same but for per-connection ids, is an event every
// backend emits for the same cause. It is counted per event name and logged
// once per name with a suggested entry (echo_suggest.go).

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
	h := shapeHash(u)
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

// shapeHash is FNV-1a over every part, with the content of each JSON
// string that looks like a per-connection id (idLike) hashed as one marker:
// each backend's copy of an echo names the socket id that backend gave the
// session, or the joiner's, so the copies differ in nothing else. Quotes
// are found with bytes.IndexByte and only strings of an id's length are
// looked into, so a frame costs little more than hashing it.
func shapeHash(u proxy.Unit) uint64 {
	h := uint64(fnvOffset)
	for _, p := range u.Parts {
		i, from := 0, 0 // hashed up to i; the next string is looked for from from
		for {
			open := bytes.IndexByte(p[from:], '"')
			if open < 0 {
				break
			}
			open += from
			end := closingQuoteAt(p, open+1)
			if end < 0 {
				break
			}
			if idLike(p[open+1 : end]) {
				h = fnv(fnv(h, p[i:open+1]), shapeIDMark)
				i = end
			}
			from = end + 1
		}
		h = fnvByte(fnv(h, p[i:]), 0xff)
	}
	return h
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// shapeIDMark stands for an id-like string's content.
var shapeIDMark = []byte{0xfe}

func fnv(h uint64, p []byte) uint64 {
	for _, b := range p {
		h = (h ^ uint64(b)) * fnvPrime
	}
	return h
}

func fnvByte(h uint64, b byte) uint64 { return (h ^ uint64(b)) * fnvPrime }

// closingQuoteAt is the index of the quote that ends the JSON string whose
// content starts at p[i], or -1.
func closingQuoteAt(p []byte, i int) int {
	for {
		q := bytes.IndexByte(p[i:], '"')
		if q < 0 {
			return -1
		}
		q += i
		n := 0 // backslashes right before it: an odd count escapes it
		for k := q - 1; k >= i && p[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return q
		}
		i = q + 1
	}
}

// mixed: at least two of lower case, upper case and digits.
func mixed(lower, upper, digit bool) bool {
	n := 0
	for _, b := range [3]bool{lower, upper, digit} {
		if b {
			n++
		}
	}
	return n >= 2
}

// idLike reports whether s looks like a generated id: a Socket.IO or
// Engine.IO id (20 characters of base64url), a UUID, a hex or base64url
// token of 16 to 64 characters that mixes at least two of lower case,
// upper case and digits. A word or a name rarely is all of that.
func idLike(s []byte) bool {
	if len(s) < 16 || len(s) > 64 {
		return false
	}
	var lower, upper, digit bool
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= '0' && c <= '9':
			digit = true
		case c == '-' || c == '_':
		default:
			return false
		}
	}
	return mixed(lower, upper, digit)
}

// echoStats counts suspected echoes per event name.
type echoStats struct {
	log     *slog.Logger
	mu      sync.Mutex
	counts  map[string]uint64
	samples map[string]*echoSample // per name, until its suggestion is logged
}

func newEchoStats(log *slog.Logger) *echoStats {
	return &echoStats{log: log, counts: make(map[string]uint64), samples: make(map[string]*echoSample)}
}

func (e *echoStats) count(info *unitInfo) {
	name := string(info.event)
	if info.kind != unitEvent {
		name = "(not an event)"
	}
	e.mu.Lock()
	e.counts[name]++
	suggest, ok := e.suggestLocked(name, info)
	e.mu.Unlock()
	if ok {
		e.log.Warn("fanout: a session got the same event from its home backend and from a mirror; "+
			"if every backend emits it for the same cause, add it to LOCAL_EVENTS",
			"event", name, "suggested", "LOCAL_EVENTS="+suggest)
	}
}

func (e *echoStats) snapshot() map[string]uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return maps.Clone(e.counts)
}
