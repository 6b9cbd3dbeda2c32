package netpoll

import (
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
	"golang.org/x/sys/unix"
)

// sipper reads one byte per call and hands the rest back as unserved, as a
// handler does that stops early so others can run.
type sipper struct {
	rc    syscall.RawConn
	bytes atomic.Int64
}

func (s *sipper) Ready(ev Event) Event {
	if ev&EventRead == 0 {
		return 0
	}
	var b [1]byte
	var n int
	var err error
	_ = s.rc.Read(func(fd uintptr) bool {
		n, err = unix.Read(int(fd), b[:])
		return true
	})
	if n <= 0 || err != nil {
		return 0 // EAGAIN: used up; EOF or an error: nothing more to read
	}
	s.bytes.Add(1)
	return EventRead
}

// TestUnservedReportedAgain: readiness a handler hands back is reported
// again, though no new data arrives to make a new edge.
func TestUnservedReportedAgain(t *testing.T) {
	p := newPoller(t, 2)
	a, b := tcpPair(t)
	rc, err := b.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	s := &sipper{rc: rc}
	if _, err := p.Add(b, EventRead, s); err != nil {
		t.Fatal(err)
	}
	const total = 64
	if _, err := a.Write(make([]byte, total)); err != nil {
		t.Fatal(err)
	}
	testkit.WaitUntil(t, 10*time.Second, "every byte read one call at a time", func() bool { return s.bytes.Load() == total })
}

// eofReader follows the Handler contract for reads: it stops at EAGAIN, at
// EOF, or at a short read unless the event says the peer hung up.
type eofReader struct {
	rc  syscall.RawConn
	eof atomic.Bool
	buf []byte
}

func (r *eofReader) Ready(ev Event) Event {
	for {
		var n int
		var err error
		_ = r.rc.Read(func(fd uintptr) bool {
			n, err = unix.Read(int(fd), r.buf)
			return true
		})
		switch {
		case err != nil:
			return 0
		case n == 0:
			r.eof.Store(true)
			return 0
		case n < len(r.buf) && ev&EventHup == 0:
			return 0
		}
	}
}

// TestHupAfterDataReported: data and the peer's FIN already queued when the
// connection is registered come as one event; it must carry EventHup, or a
// handler that trusts its short read would never see the EOF behind it.
func TestHupAfterDataReported(t *testing.T) {
	p := newPoller(t, 2)
	a, b := tcpPair(t)
	if _, err := a.Write([]byte("last words")); err != nil {
		t.Fatal(err)
	}
	a.Close()
	waitRDHUP(t, b)
	rc, err := b.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	r := &eofReader{rc: rc, buf: make([]byte, 4096)}
	if _, err := p.Add(b, EventRead, r); err != nil {
		t.Fatal(err)
	}
	testkit.WaitUntil(t, 10*time.Second, "the EOF behind the data", r.eof.Load)
}

// waitRDHUP blocks until c's peer has shut down its side, checked with poll.
func waitRDHUP(t *testing.T, c *net.TCPConn) {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var got bool
	_ = rc.Control(func(fd uintptr) {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLRDHUP}}
		n, err := unix.Poll(pfd, int((10 * time.Second).Milliseconds()))
		got = err == nil && n == 1
	})
	if !got {
		t.Fatal("peer's FIN never arrived")
	}
}

// TestArmAddsWriteInterest: write interest added to a socket that is
// writable already is reported at once.
func TestArmAddsWriteInterest(t *testing.T) {
	p := newPoller(t, 2)
	_, b := tcpPair(t)
	got := make(chan Event, 1)
	k, err := p.Add(b, EventRead, notify(got))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Arm(k, EventRead|EventWrite); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, got, EventWrite, "added write interest reported")
}
