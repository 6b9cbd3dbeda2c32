//go:build linux && !sidecast_portable

package netpoll

import (
	"fmt"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// parking lets the waiter sleep in the Go runtime's own poller, which watches
// the epoll descriptor itself (an epoll set is readable while it holds ready
// events), instead of in a blocking epoll_wait.
//
// Why: a goroutine blocked in a system call keeps its OS thread and, after
// 20 µs, the runtime's monitor hands its processor to another thread; when
// the call returns the goroutine must win a processor back before it can
// serve the events it was woken for. Parked in the runtime's poller the
// waiter is an ordinary goroutine waiting for I/O, it is run like any other
// when its events come, and a process with nothing to do sleeps in a single
// epoll_wait, the runtime's.
type parking struct {
	epfd int
	file *os.File // owns epfd
	rc   syscall.RawConn
	take func(uintptr) bool // takeReady as a method value, made once

	// wait's buffer and results, for takeReady.
	events []unix.EpollEvent
	n      int
	err    error
}

// park hands epfd to the runtime's poller; from then on parking owns it, and
// on failure epfd is closed.
func park(epfd int) (*parking, error) {
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("netpoll: set epoll descriptor non-blocking: %w", err)
	}
	f := os.NewFile(uintptr(epfd), "netpoll-epoll")
	// Only a descriptor the runtime added to its poller takes a deadline;
	// any other would make every wait fail at once.
	if err := f.SetReadDeadline(time.Time{}); err != nil {
		f.Close()
		return nil, fmt.Errorf("netpoll: epoll descriptor in the runtime poller: %w", err)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("netpoll: epoll descriptor in the runtime poller: %w", err)
	}
	pk := &parking{epfd: epfd, file: f, rc: rc}
	pk.take = pk.takeReady
	return pk, nil
}

// wait fills events with the ready events of the epoll set, parking the
// calling goroutine in the runtime's poller while there are none. Only the
// waiter calls it.
func (pk *parking) wait(events []unix.EpollEvent) (int, error) {
	pk.events = events
	if err := pk.rc.Read(pk.take); err != nil {
		return 0, err
	}
	return pk.n, pk.err
}

// takeReady is wait's callback; wait passes it as pk.take because a closure
// or a method value made per wait would allocate.
func (pk *parking) takeReady(uintptr) bool {
	pk.n, pk.err = epollWaitNow(pk.epfd, pk.events)
	return pk.n > 0 || pk.err != nil
}

// close releases the epoll descriptor through the runtime, which first drops
// it from its own poller.
func (pk *parking) close() error {
	return pk.file.Close()
}

// epollWaitNow takes the ready events without waiting, and without
// announcing a system call to the runtime: it cannot block, and the
// announcement's first use after an idle spell wakes the runtime's monitor
// thread into a millisecond of 20 µs polling.
func epollWaitNow(epfd int, events []unix.EpollEvent) (int, error) {
	for {
		n, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd),
			uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0)
		switch errno {
		case 0:
			return int(n), nil
		case unix.EINTR:
			continue
		default:
			return 0, errno
		}
	}
}
