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
	pk     *parking // owns epfd
	stopfd int
	tab    table[reg]
	work   chan *reg
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
	pk, err := park(epfd)
	if err != nil {
		return nil, err
	}
	stopfd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		pk.close()
		return nil, fmt.Errorf("netpoll: eventfd: %w", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: stopData}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, stopfd, &ev); err != nil {
		pk.close()
		unix.Close(stopfd)
		return nil, fmt.Errorf("netpoll: register eventfd: %w", err)
	}
	p := &Poller{cfg: cfg, epfd: epfd, pk: pk, stopfd: stopfd, work: make(chan *reg, cfg.queueSize())}
	p.wg.Add(1 + cfg.workers())
	go p.waitLoop()
	for range cfg.workers() {
		go p.workLoop()
	}
	return p, nil
}

// Add registers conn with h, interested in ev. h may be called before Add
// returns, so it must be ready to serve.
func (p *Poller) Add(conn syscall.Conn, ev Event, h Handler) (Key, error) {
	fd, err := rawFD(conn)
	if err != nil {
		return Key{}, err
	}
	r := &reg{h: h, interest: ev}
	r.mu.Lock() // before the table publishes r, so Arm and Remove wait for the add
	defer r.mu.Unlock()
	k, err := p.tab.add(fd, r)
	if err != nil {
		return Key{}, err
	}
	r.key = k
	e := epollEvent(k, ev)
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &e); err != nil {
		r.dead = true
		p.tab.remove(k)
		return Key{}, fmt.Errorf("netpoll: epoll_ctl add fd %d: %w", fd, err)
	}
	return k, nil
}

// Arm sets the conditions k is interested in. It costs a system call only
// when they change, and then reports k at once if it is ready for them: a
// condition added while it already holds is not missed.
func (p *Poller) Arm(k Key, ev Event) error {
	r, err := p.tab.get(k)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dead {
		return ErrStale
	}
	if r.interest == ev {
		return nil
	}
	r.interest = ev
	return p.modLocked(r)
}

// modLocked hands r's interest to epoll again, which also reports r if it is
// ready for it now; r.mu must be held and r live.
func (p *Poller) modLocked(r *reg) error {
	e := epollEvent(r.key, r.interest)
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, int(r.key.fd), &e); err != nil {
		return fmt.Errorf("netpoll: epoll_ctl mod fd %d: %w", r.key.fd, err)
	}
	return nil
}

// Remove unregisters k. Call it before closing the connection.
func (p *Poller) Remove(k Key) error {
	r := p.tab.remove(k)
	if r == nil {
		return ErrStale
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dead = true
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
	_ = p.pk.close()
	unix.Close(p.stopfd)
}

// epollEvent is edge-triggered: epoll reports each change of readiness once,
// so serving a connection needs no system call to re-arm it.
func epollEvent(k Key, ev Event) unix.EpollEvent {
	var e uint32 = unix.EPOLLET | unix.EPOLLRDHUP
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
	if e&unix.EPOLLIN != 0 {
		ev |= EventRead
	}
	if e&unix.EPOLLRDHUP != 0 {
		ev |= EventRead | EventHup
	}
	if e&unix.EPOLLOUT != 0 {
		ev |= EventWrite
	}
	if e&(unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		ev |= EventHup | EventRead | EventWrite
	}
	return ev
}
