package fanout

import (
	"bytes"
	"sync"
	"time"

	"github.com/valyala/bytebufferpool"

	"github.com/sidecast/sidecast/proxy"
)

// A backend broadcast reaches every mirror of the room on that backend:
// the same bytes, once per mirror. The mirrors whose sessions share a home
// node relay through one coalescer per home, and identical frames travel as
// one bus message with a recipient list. A backend writes a broadcast to
// all its sockets at once, so the copies are ready in the same poller
// burst: frames leave when the proxy's poller has served the burst
// (Cluster.PollerIdle), or, on a node that is never idle, at the first
// connection the poller serves once they have waited CoalesceWindow
// (Cluster.PollerServed). A timer alone would cost every frame the timer's
// granularity (about a millisecond here) even when nothing can join it.
//
// Arming and stopping a timer per held batch is what a frame cost most at
// moderate rates: each arm of a timer earlier than the runtime's next one
// wakes a sleeping thread to recompute its sleep. So the coalescer's timer
// is only a backstop for frames queued outside a poller serve, with a
// period of at least backstopMin, and it stays armed across batches: it
// is armed once per period at most, never per frame.
//
// A frame joins an earlier identical one only if its session has nothing
// queued after that one, so each session's frames keep their order.

// maxBatch bounds the frames one coalescer holds before it flushes.
const maxBatch = 64

// backstopMin is the shortest period of a coalescer's backstop timer.
const backstopMin = 5 * time.Millisecond

// monoZero is the origin of monoNow.
var monoZero = time.Now()

// monoNow is the monotonic clock in nanoseconds, cheap enough per frame.
func monoNow() int64 { return int64(time.Since(monoZero)) }

type coItem struct {
	payload []byte // appendUnit encoding
	hash    uint64
	recips  Recipients
}

// coalescer is owned by the Cluster; mu guards everything, and flushes
// publish under it, so what one home receives from this node keeps its order.
type coalescer struct {
	c      *Cluster
	ch     Channel
	mu     sync.Mutex
	items  []coItem
	n      int // items in use
	seq    uint64
	since  int64 // monoNow when the oldest held item was queued
	timer  *time.Timer
	armed  bool // timer is running
	arms   int  // times the timer was armed, for tests of its cost
	closed bool
}

func newCoalescer(c *Cluster, home string) *coalescer {
	co := &coalescer{c: c, ch: NodeChannel(home), items: make([]coItem, maxBatch)}
	co.timer = time.AfterFunc(time.Hour, co.flushTimer)
	co.timer.Stop()
	return co
}

// add queues u for session sid. It allocates nothing in steady state.
func (co *coalescer) add(sid []byte, u proxy.Unit) {
	co.mu.Lock()
	defer co.mu.Unlock()
	if co.closed {
		return
	}
	if co.n == maxBatch {
		co.flushLocked()
	}
	next := &co.items[co.n]
	next.payload = appendUnit(next.payload[:0], u)
	next.hash = hashBytes(next.payload)
	if j := co.mergeTarget(sid, next); j >= 0 {
		co.items[j].recips = co.items[j].recips.Append(sid)
		return
	}
	next.recips = next.recips.Reset().Append(sid)
	co.n++
	if co.n == 1 {
		co.since = monoNow()
		co.c.markPending(co.since)
	}
	if !co.armed {
		co.armed = true
		co.arms++
		co.timer.Reset(co.c.backstop())
	}
}

// markPending tells PollerIdle and PollerServed that a coalescer holds
// frames since now (the first hold since the last flush counts).
func (c *Cluster) markPending(now int64) {
	if c.coPending.CompareAndSwap(false, true) {
		c.coSince.Store(now)
	}
}

// backstop is the period of the coalescers' backstop timers.
func (c *Cluster) backstop() time.Duration {
	return max(c.cfg.CoalesceWindow, backstopMin)
}

// PollerServed implements proxy.IdleFlusher: on a node whose poller is
// never idle, held frames leave at the first connection it serves once
// they have waited the window.
func (c *Cluster) PollerServed() {
	if !c.coPending.Load() || monoNow()-c.coSince.Load() < int64(c.cfg.CoalesceWindow) {
		return
	}
	c.PollerIdle()
}

// IdlePending implements proxy.IdleFlusher: some coalescer holds frames.
func (c *Cluster) IdlePending() bool { return c.coPending.Load() }

// PollerIdle implements proxy.IdleFlusher: the proxy's poller has served
// every ready connection, so no copy of a broadcast is left to join what
// the coalescers hold; it leaves now.
func (c *Cluster) PollerIdle() {
	if !c.coPending.Load() || !c.coPending.CompareAndSwap(true, false) {
		return
	}
	c.idleMu.Lock()
	defer c.idleMu.Unlock()
	c.mu.Lock()
	c.idleCo = c.idleCo[:0]
	for _, co := range c.co {
		c.idleCo = append(c.idleCo, co)
	}
	c.mu.Unlock()
	for i, co := range c.idleCo {
		co.flushHeld()
		c.idleCo[i] = nil
	}
}

// mergeTarget finds the latest queued item identical to next that comes
// after every frame queued for sid, or -1.
func (co *coalescer) mergeTarget(sid []byte, next *coItem) int {
	for j := co.n - 1; j >= 0; j-- {
		it := &co.items[j]
		if it.hash == next.hash && bytes.Equal(it.payload, next.payload) && !hasRecipient(it.recips, sid) {
			return j
		}
		if hasRecipient(it.recips, sid) {
			return -1
		}
	}
	return -1
}

func hasRecipient(r Recipients, id []byte) bool {
	for got, rest, ok := r.Next(); ok; got, rest, ok = rest.Next() {
		if bytes.Equal(got, id) {
			return true
		}
	}
	return false
}

// flushHeld publishes what is held. The backstop timer keeps running: it
// finds nothing when it fires and lets go.
func (co *coalescer) flushHeld() {
	co.mu.Lock()
	defer co.mu.Unlock()
	if co.n > 0 {
		co.flushLocked()
	}
}

// flushTimer is the backstop: it sends what has waited the window, and
// runs again for what has not, while anything is held.
func (co *coalescer) flushTimer() {
	co.mu.Lock()
	defer co.mu.Unlock()
	co.armed = false
	if co.n == 0 || co.closed {
		return
	}
	if wait := int64(co.c.cfg.CoalesceWindow) - (monoNow() - co.since); wait > 0 {
		co.armed = true
		co.timer.Reset(time.Duration(wait))
		return
	}
	co.flushLocked()
}

// flush publishes what is queued now (before a control that must not
// overtake the frames, such as a kick).
func (co *coalescer) flush() {
	co.mu.Lock()
	defer co.mu.Unlock()
	co.flushLocked()
}

func (co *coalescer) flushLocked() {
	for i := range co.n {
		co.publish(&co.items[i])
	}
	co.n = 0
}

func (co *coalescer) publish(it *coItem) {
	c := co.c
	co.seq++
	env := Envelope{Kind: KindFrame, Sender: c.self, Epoch: c.bus.Epoch(), Seq: co.seq, Payload: it.payload}
	if it.recips.Len() == 1 {
		env.Session, _, _ = it.recips.Next()
	} else {
		env.Recipients = it.recips
	}
	bb := bytebufferpool.Get()
	var err error
	if bb.B, err = env.Append(bb.B[:0]); err == nil {
		err = c.bus.Publish(co.ch, bb.B)
	}
	putBuf(bb)
	if err != nil {
		c.stats.controlDropped.Add(1)
		return
	}
	c.stats.relayed.Add(uint64(it.recips.Len()))
	if it.recips.Len() > 1 {
		c.stats.coalesced.Add(uint64(it.recips.Len() - 1))
	}
}

// close flushes and stops the coalescer.
func (co *coalescer) close() {
	co.mu.Lock()
	defer co.mu.Unlock()
	co.flushLocked()
	co.timer.Stop()
	co.closed = true
}

func hashBytes(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, x := range b {
		h ^= uint64(x)
		h *= 1099511628211
	}
	return h
}
