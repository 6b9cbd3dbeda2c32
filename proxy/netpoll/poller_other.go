//go:build (unix && !linux) || sidecast_portable

package netpoll

import (
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Poller is the portable fallback: one goroutine per registration waits for
// readiness through the Go runtime's poller, and a semaphore bounds how many
// handlers run at once, as the Linux worker pool does.
type Poller struct {
	tab  table
	sem  chan struct{}
	mu   sync.Mutex
	regs map[Key]*registration
	wg   sync.WaitGroup
	once sync.Once
}

// registration is one connection's waiter.
type registration struct {
	p    *Poller
	rc   syscall.RawConn
	h    Handler
	arm  chan Event
	stop chan struct{}
	want Event // interest of the current wait, read by check
	got  Event // readiness found by check
	pfd  [1]unix.PollFd
}

// New returns a fallback Poller.
func New(cfg Config) (*Poller, error) {
	return &Poller{sem: make(chan struct{}, cfg.workers()), regs: make(map[Key]*registration)}, nil
}

// Add registers conn with h and arms it for ev.
func (p *Poller) Add(conn syscall.Conn, ev Event, h Handler) (Key, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return Key{}, ErrNoFD
	}
	fd, err := rawFD(conn)
	if err != nil {
		return Key{}, err
	}
	k, err := p.tab.add(fd, h)
	if err != nil {
		return Key{}, err
	}
	r := &registration{p: p, rc: rc, h: h, arm: make(chan Event, 1), stop: make(chan struct{})}
	p.mu.Lock()
	p.regs[k] = r
	p.mu.Unlock()
	r.arm <- ev
	p.wg.Add(1)
	go r.waitLoop()
	return k, nil
}

// Arm re-arms a registration for ev after its handler ran.
func (p *Poller) Arm(k Key, ev Event) error {
	p.mu.Lock()
	r := p.regs[k]
	p.mu.Unlock()
	if r == nil {
		return ErrStale
	}
	select {
	case r.arm <- ev:
	default: // already armed; the pending wait will call the handler
	}
	return nil
}

// Remove unregisters k; its goroutine ends once the connection is closed.
func (p *Poller) Remove(k Key) error {
	p.mu.Lock()
	r := p.regs[k]
	delete(p.regs, k)
	p.mu.Unlock()
	if r == nil || !p.tab.remove(k) {
		return ErrStale
	}
	close(r.stop)
	return nil
}

// Close stops accepting registrations, stops every waiter and waits for them.
// A waiter blocked on readiness ends when its connection closes, so callers
// close their connections first, as the proxy does. It is idempotent.
func (p *Poller) Close() error {
	p.once.Do(p.shutdown)
	return nil
}

func (p *Poller) shutdown() {
	p.tab.close()
	p.mu.Lock()
	for k, r := range p.regs {
		close(r.stop)
		delete(p.regs, k)
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// waitLoop waits for each arming, then for readiness, then runs the handler.
func (r *registration) waitLoop() {
	defer r.p.wg.Done()
	for {
		select {
		case <-r.stop:
			return
		case ev := <-r.arm:
			got, closed := r.wait(ev)
			select {
			case <-r.stop:
				return
			case r.p.sem <- struct{}{}:
			}
			r.h.Ready(got)
			<-r.p.sem
			if closed {
				return // a closed connection has nothing more to wait for
			}
		}
	}
}

// wait blocks until the connection is ready for some of ev, or reports that
// it is closed. The check runs after the runtime reset its readiness state, so
// no wake-up is lost.
func (r *registration) wait(ev Event) (Event, bool) {
	r.want, r.got = ev, 0
	var err error
	if ev&EventWrite != 0 {
		err = r.rc.Write(r.check)
	} else {
		err = r.rc.Read(r.check)
	}
	if err != nil {
		return EventHup | EventRead | EventWrite, true
	}
	return r.got, false
}

func (r *registration) check(fd uintptr) bool {
	var events int16
	if r.want&EventRead != 0 {
		events |= unix.POLLIN
	}
	if r.want&EventWrite != 0 {
		events |= unix.POLLOUT
	}
	r.pfd[0] = unix.PollFd{Fd: int32(fd), Events: events}
	if n, err := unix.Poll(r.pfd[:], 0); err != nil || n == 0 {
		return false
	}
	re := r.pfd[0].Revents
	if re&unix.POLLIN != 0 {
		r.got |= EventRead
	}
	if re&unix.POLLOUT != 0 {
		r.got |= EventWrite
	}
	if re&(unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0 {
		r.got |= EventHup | EventRead | EventWrite
	}
	return r.got != 0
}
