//go:build linux && !sidecast_portable

package netpoll

import (
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// serving is the bit of reg.state that says a worker holds the registration;
// the other bits are Events reported and not yet handed to the handler.
const serving = 1 << 31

// reg is one registration. Its state word keeps it on one worker at a time
// without losing an edge: the waiter ORs each reported event into it, and
// only the event that finds it idle queues it for a worker; the worker takes
// the pending events, runs the handler, and goes round again if more arrived
// meanwhile.
type reg struct {
	h     Handler
	key   Key
	state atomic.Uint32

	mu       sync.Mutex // orders epoll_ctl calls for this registration
	interest Event
	dead     bool // removed: no epoll_ctl may touch the descriptor any more
}

// waitLoop owns epoll_wait and feeds the work queue, serving the last ready
// connection of each burst itself; it closes the queue on stop. Between
// bursts it sleeps in the runtime's poller (parking).
func (p *Poller) waitLoop() {
	defer p.wg.Done()
	defer close(p.work)
	events := make([]unix.EpollEvent, 256)
	lingering := false // the last event served here is not counted off yet
	for {
		var n int
		var err error
		if lingering {
			n, err = epollWaitNow(p.epfd, events)
		} else {
			n, err = p.pk.wait(events)
		}
		if err != nil {
			return
		}
		// The whole burst is counted before any of it is served, so OnIdle
		// runs once the last event of it is done, not between two of them;
		// a lingering waiter counts its last event off only now, so what
		// the extra poll found joins that burst.
		p.busy.Add(int64(n))
		if lingering {
			lingering = false
			p.served()
		}
		for i := range events[:n] {
			e := &events[i]
			if e.Fd == stopData {
				return
			}
			lingering = p.deliver(p.tab.lookup(e.Fd, uint32(e.Pad)), fromEpoll(e.Events), i == n-1)
		}
	}
}

// deliver routes one event of a burst to r (nil: stale). The last of a burst
// is served right here: handing it over would wake a parked worker (a futex
// call and a context switch) only for this goroutine to go back to waiting.
//
// It reports whether it left the last event's count to the waiter, which
// then polls once more without blocking before it counts it off (Linger).
func (p *Poller) deliver(r *reg, ev Event, last bool) (lingering bool) {
	switch {
	case r == nil || !r.post(ev):
		// Stale, or folded into the round of the worker serving r, which
		// holds its own count until it lets r go.
		p.served()
	case last:
		p.serve(r)
		if p.busy.Load() == 1 && p.cfg.Linger != nil && p.cfg.Linger() {
			return true
		}
		p.served()
	default:
		p.work <- r
	}
	return false
}

// post records ev for r and reports whether r was idle, so the caller must
// queue it for a worker.
func (r *reg) post(ev Event) bool {
	return r.state.Or(uint32(ev)|serving)&serving == 0
}

// workLoop serves ready connections until the queue closes.
func (p *Poller) workLoop() {
	defer p.wg.Done()
	for r := range p.work {
		p.serve(r)
		p.served()
	}
}

// serve runs r's handler until no event is pending, then lets r go. Events
// the handler left unserved are asked of epoll again only after that, so
// they queue behind other connections instead of keeping this worker.
func (p *Poller) serve(r *reg) {
	var unserved Event
	for {
		ev := Event(r.state.Swap(serving) &^ serving)
		unserved = unserved&^ev | r.h.Ready(ev)
		if r.state.CompareAndSwap(serving, 0) {
			break
		}
	}
	if unserved != 0 {
		r.mu.Lock()
		if !r.dead && r.interest&unserved != 0 {
			_ = p.modLocked(r)
		}
		r.mu.Unlock()
	}
}

// served marks one event of a burst served and calls OnIdle after the last,
// OnServed after any other.
func (p *Poller) served() {
	if p.busy.Add(-1) == 0 {
		if p.cfg.OnIdle != nil {
			p.cfg.OnIdle()
		}
	} else if p.cfg.OnServed != nil {
		p.cfg.OnServed()
	}
}
