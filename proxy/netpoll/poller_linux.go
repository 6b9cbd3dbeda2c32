//go:build linux && !sidecast_portable

package netpoll

import (
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// stopData marks the eventfd's epoll event; real fds are never negative.
const stopData = -1

// Poller is an epoll set served by a bounded worker pool.
type Poller struct {
	cfg    Config
	epfd   int
	stopfd int
	tab    table
	work   chan work
	// busy counts the events of the current bursts not yet served; the
	// worker that brings it to zero calls OnIdle.
	busy atomic.Int64
	wg   sync.WaitGroup
	once sync.Once
}

// New creates the epoll set and starts the waiter and the workers.
func New(cfg Config) (*Poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("netpoll: epoll_create1: %w", err)
	}
	stopfd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("netpoll: eventfd: %w", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: stopData}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, stopfd, &ev); err != nil {
		unix.Close(epfd)
		unix.Close(stopfd)
		return nil, fmt.Errorf("netpoll: register eventfd: %w", err)
	}
	p := &Poller{cfg: cfg, epfd: epfd, stopfd: stopfd, work: make(chan work, cfg.queueSize())}
	p.wg.Add(1 + cfg.workers())
	go p.waitLoop()
	for range cfg.workers() {
		go p.workLoop()
	}
	return p, nil
}

// Add registers conn with h and arms it for ev. h may be called before Add
// returns, so it must be ready to serve.
func (p *Poller) Add(conn syscall.Conn, ev Event, h Handler) (Key, error) {
	fd, err := rawFD(conn)
	if err != nil {
		return Key{}, err
	}
	k, err := p.tab.add(fd, h)
	if err != nil {
		return Key{}, err
	}
	e := epollEvent(k, ev)
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &e); err != nil {
		p.tab.remove(k)
		return Key{}, fmt.Errorf("netpoll: epoll_ctl add fd %d: %w", fd, err)
	}
	return k, nil
}

// Arm re-arms a registration for ev after its handler ran.
func (p *Poller) Arm(k Key, ev Event) error {
	p.tab.mu.RLock()
	defer p.tab.mu.RUnlock()
	if err := p.tab.liveLocked(k); err != nil {
		return err
	}
	e := epollEvent(k, ev)
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, int(k.fd), &e)
}

// Remove unregisters k. Call it before closing the connection.
func (p *Poller) Remove(k Key) error {
	if !p.tab.remove(k) {
		return ErrStale
	}
	// ENOENT/EBADF mean the kernel already dropped it with the fd.
	_ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, int(k.fd), nil)
	return nil
}

// Close stops the waiter and the workers and waits for them. Handlers running
// at that moment finish first. It is idempotent.
func (p *Poller) Close() error {
	p.once.Do(p.shutdown)
	return nil
}

func (p *Poller) shutdown() {
	p.tab.close()
	var one = [8]byte{1}
	_, _ = unix.Write(p.stopfd, one[:])
	p.wg.Wait()
	unix.Close(p.epfd)
	unix.Close(p.stopfd)
}

// waitLoop owns epoll_wait and feeds the work queue; it closes the queue on stop.
func (p *Poller) waitLoop() {
	defer p.wg.Done()
	defer close(p.work)
	events := make([]unix.EpollEvent, 256)
	for {
		n, err := unix.EpollWait(p.epfd, events, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return
		}
		// The whole burst is counted before any of it is served, so OnIdle
		// runs once the last event of it is done, not between two of them.
		p.busy.Add(int64(n))
		for i := range events[:n] {
			e := &events[i]
			if e.Fd == stopData {
				return
			}
			if h := p.tab.lookup(e.Fd, uint32(e.Pad)); h != nil {
				p.work <- work{h: h, ev: fromEpoll(e.Events)}
			} else {
				p.served()
			}
		}
	}
}

// workLoop serves ready connections until the queue closes.
func (p *Poller) workLoop() {
	defer p.wg.Done()
	for w := range p.work {
		w.h.Ready(w.ev)
		p.served()
	}
}

// served marks one event of a burst served and calls OnIdle after the last.
func (p *Poller) served() {
	if p.busy.Add(-1) == 0 && p.cfg.OnIdle != nil {
		p.cfg.OnIdle()
	}
}

func epollEvent(k Key, ev Event) unix.EpollEvent {
	var e uint32 = unix.EPOLLONESHOT | unix.EPOLLRDHUP
	if ev&EventRead != 0 {
		e |= unix.EPOLLIN
	}
	if ev&EventWrite != 0 {
		e |= unix.EPOLLOUT
	}
	return unix.EpollEvent{Events: e, Fd: k.fd, Pad: int32(k.gen)}
}

func fromEpoll(e uint32) Event {
	var ev Event
	if e&(unix.EPOLLIN|unix.EPOLLRDHUP) != 0 {
		ev |= EventRead
	}
	if e&unix.EPOLLOUT != 0 {
		ev |= EventWrite
	}
	if e&(unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		ev |= EventHup | EventRead | EventWrite
	}
	return ev
}
