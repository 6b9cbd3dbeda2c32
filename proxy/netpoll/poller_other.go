//go:build (unix && !linux) || sidecast_portable

package netpoll

import (
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// Poller is the portable fallback. Each registration owns two goroutines, one
// waiting for readability and one for writability through the Go runtime's
// poller, so an interest added while the other direction is waiting is never
// missed. They wait on a duplicate of the connection's descriptor: a RawConn
// holds its descriptor's read or write lock while it waits, which would block
// the owner's own reads and writes on the original. A per-registration mutex
// keeps handler calls one at a time, and a semaphore bounds how many handlers
// run at once, as the Linux worker pool does. A waiter checks readiness
// level-triggered, so a condition a handler left unserved is simply reported
// again. Spurious events are possible; handlers treat EAGAIN as "wait again".
type Poller struct {
	cfg  Config
	busy atomic.Int64 // handlers running; the last to finish calls OnIdle
	tab  table[registration]
	sem  chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// registration is one connection's pair of waiters.
type registration struct {
	p     *Poller
	dup   net.Conn        // same socket, its own descriptor; closed by Remove
	rc    syscall.RawConn // the duplicate's
	h     Handler
	hmu   sync.Mutex    // one handler call at a time
	want  atomic.Uint32 // the Events the owner is interested in (Arm)
	read  *waiter
	write *waiter
	stop  chan struct{}
}

// waiter waits for one direction's readiness each time it is armed.
type waiter struct {
	r       *registration
	ev      Event
	arm     chan struct{}
	events  int16
	pfd     [1]unix.PollFd
	checkFn func(uintptr) bool // bound once so a wait allocates nothing
}

// New returns a fallback Poller.
func New(cfg Config) (*Poller, error) {
	return &Poller{cfg: cfg, sem: make(chan struct{}, cfg.workers())}, nil
}

// Add registers conn with h, interested in ev.
func (p *Poller) Add(conn syscall.Conn, ev Event, h Handler) (Key, error) {
	fd, err := rawFD(conn)
	if err != nil {
		return Key{}, err
	}
	dup, rc, err := dupConn(fd)
	if err != nil {
		return Key{}, err
	}
	r := &registration{p: p, dup: dup, rc: rc, h: h, stop: make(chan struct{})}
	r.read = newWaiter(r, EventRead, unix.POLLIN)
	r.write = newWaiter(r, EventWrite, unix.POLLOUT)
	k, err := p.tab.add(fd, r)
	if err != nil {
		dup.Close()
		return Key{}, err
	}
	r.arm(ev)
	p.wg.Add(2)
	go r.read.waitLoop()
	go r.write.waitLoop()
	return k, nil
}

// dupConn wraps a duplicate of fd in a net.Conn registered with the Go
// runtime's poller, for waiting only.
func dupConn(fd int) (net.Conn, syscall.RawConn, error) {
	nfd, err := unix.Dup(fd)
	if err != nil {
		return nil, nil, fmt.Errorf("netpoll: dup: %w", err)
	}
	f := os.NewFile(uintptr(nfd), "netpoll-wait")
	c, err := net.FileConn(f) // dups again; f is ours to close
	f.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("netpoll: wrap duplicate: %w", err)
	}
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		c.Close()
		return nil, nil, ErrNoFD
	}
	return c, rc, nil
}

func newWaiter(r *registration, ev Event, events int16) *waiter {
	w := &waiter{r: r, ev: ev, events: events, arm: make(chan struct{}, 1)}
	w.checkFn = w.check
	return w
}

// Arm sets the conditions k is interested in.
func (p *Poller) Arm(k Key, ev Event) error {
	r, err := p.tab.get(k)
	if err != nil {
		return err
	}
	r.arm(ev)
	return nil
}

// arm records the interest and wakes the waiters it concerns; a waiter whose
// direction is not wanted waits for its next signal instead of for readiness.
func (r *registration) arm(ev Event) {
	r.want.Store(uint32(ev))
	if ev&EventRead != 0 {
		signal(r.read.arm)
	}
	if ev&EventWrite != 0 {
		signal(r.write.arm)
	}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default: // already armed
	}
}

// Remove unregisters k and ends its waiters.
func (p *Poller) Remove(k Key) error {
	r := p.tab.remove(k)
	if r == nil {
		return ErrStale
	}
	r.end()
	return nil
}

// end stops the waiters: closing the duplicate wakes one blocked on readiness.
func (r *registration) end() {
	close(r.stop)
	r.dup.Close()
}

// Close stops accepting registrations, stops every waiter and waits for them.
// It is idempotent.
func (p *Poller) Close() error {
	p.once.Do(p.shutdown)
	return nil
}

func (p *Poller) shutdown() {
	for _, r := range p.tab.close() {
		r.end()
	}
	p.wg.Wait()
}

// waitLoop waits, while its direction is wanted, for readiness and runs the
// handler; while it is not wanted, for the next Arm.
func (w *waiter) waitLoop() {
	r := w.r
	defer r.p.wg.Done()
	for {
		if Event(r.want.Load())&w.ev == 0 {
			select {
			case <-r.stop:
				return
			case <-w.arm:
			}
			continue
		}
		ev, closed := w.wait()
		if !r.serve(ev) || closed {
			return // stopped, or the connection is closed: nothing more to wait for
		}
	}
}

// serve runs the handler unless the registration was stopped meanwhile.
func (r *registration) serve(ev Event) bool {
	select {
	case <-r.stop:
		return false
	case r.p.sem <- struct{}{}:
	}
	r.p.busy.Add(1)
	r.hmu.Lock()
	r.h.Ready(ev)
	r.hmu.Unlock()
	if r.p.busy.Add(-1) == 0 {
		if r.p.cfg.OnIdle != nil {
			r.p.cfg.OnIdle()
		}
	} else if r.p.cfg.OnServed != nil {
		r.p.cfg.OnServed()
	}
	<-r.p.sem
	return true
}

// wait blocks until the connection is ready in w's direction, or reports that
// it is closed. The check runs after the runtime reset its readiness state,
// so no wake-up is lost.
func (w *waiter) wait() (Event, bool) {
	var err error
	if w.ev == EventWrite {
		err = w.r.rc.Write(w.checkFn)
	} else {
		err = w.r.rc.Read(w.checkFn)
	}
	if err != nil {
		return EventHup | EventRead | EventWrite, true
	}
	return w.ev, false
}

func (w *waiter) check(fd uintptr) bool {
	w.pfd[0] = unix.PollFd{Fd: int32(fd), Events: w.events}
	n, err := unix.Poll(w.pfd[:], 0)
	return err == nil && n > 0
}
