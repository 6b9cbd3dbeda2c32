package netpoll

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
	"golang.org/x/sys/unix"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (*net.TCPConn, *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a.Close()
		b.Close()
	})
	return a.(*net.TCPConn), b.(*net.TCPConn)
}

// reader is a Handler that drains its socket, counts bytes and re-arms.
type reader struct {
	p      *Poller
	rc     syscall.RawConn
	key    atomic.Value // Key
	bytes  atomic.Int64
	events atomic.Int64
	busy   atomic.Int32 // >1 means two workers served one registration at once
	maxBsy atomic.Int32
	buf    []byte
}

func (r *reader) Ready(ev Event) Event {
	if n := r.busy.Add(1); n > r.maxBsy.Load() {
		r.maxBsy.Store(n)
	}
	defer r.busy.Add(-1)
	r.events.Add(1)
	var n int
	var rerr error
	for {
		_ = r.rc.Read(func(fd uintptr) bool {
			n, rerr = unix.Read(int(fd), r.buf)
			return true
		})
		if n > 0 {
			r.bytes.Add(int64(n))
		}
		if rerr != nil || n <= 0 {
			break
		}
	}
	time.Sleep(time.Millisecond) // widen the window a second worker would need
	if k, ok := r.key.Load().(Key); ok {
		_ = r.p.Arm(k, EventRead)
	}
	return 0
}

func newReader(t *testing.T, p *Poller, c *net.TCPConn) *reader {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	r := &reader{p: p, rc: rc, buf: make([]byte, 4096)}
	k, err := p.Add(c, EventRead, r)
	if err != nil {
		t.Fatal(err)
	}
	r.key.Store(k)
	return r
}

func newPoller(t *testing.T, workers int) *Poller {
	t.Helper()
	p, err := New(Config{Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestReadinessOneWorkerAtATime(t *testing.T) {
	p := newPoller(t, 4)
	a, b := tcpPair(t)
	r := newReader(t, p, b)
	const total = 64 << 10
	chunk := make([]byte, 512)
	for sent := 0; sent < total; sent += len(chunk) {
		if _, err := a.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	testkit.WaitUntil(t, 10*time.Second, "all bytes read", func() bool { return r.bytes.Load() == total })
	if r.maxBsy.Load() != 1 {
		t.Fatalf("%d workers served one registration at once", r.maxBsy.Load())
	}
	t.Logf("%d bytes in %d events", total, r.events.Load())
}

func TestManyRegistrations(t *testing.T) {
	p := newPoller(t, 2)
	const n = 200
	readers := make([]*reader, n)
	writers := make([]*net.TCPConn, n)
	for i := range n {
		a, b := tcpPair(t)
		writers[i], readers[i] = a, newReader(t, p, b)
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go writeTimes(&wg, writers[i], 10)
	}
	wg.Wait()
	for i, r := range readers {
		testkit.WaitUntil(t, 10*time.Second, "reader to get its bytes", func() bool { return r.bytes.Load() == 10 })
		_ = i
	}
}

// writeTimes is a writer goroutine: n one-byte writes, then done.
func writeTimes(wg *sync.WaitGroup, c *net.TCPConn, n int) {
	defer wg.Done()
	for range n {
		c.Write([]byte{1})
	}
}

func TestStaleKeyAfterRemove(t *testing.T) {
	p := newPoller(t, 2)
	_, b := tcpPair(t)
	r := newReader(t, p, b)
	k := r.key.Load().(Key)
	if err := p.Remove(k); err != nil {
		t.Fatal(err)
	}
	if err := p.Arm(k, EventRead); !errors.Is(err, ErrStale) {
		t.Fatalf("Arm after Remove = %v, want ErrStale", err)
	}
	if err := p.Remove(k); !errors.Is(err, ErrStale) {
		t.Fatalf("second Remove = %v, want ErrStale", err)
	}
	// A new registration of the same descriptor gets a new generation: the old
	// key stays stale.
	r2 := newReader(t, p, b)
	k2 := r2.key.Load().(Key)
	if k2.fd != k.fd || k2.gen == k.gen {
		t.Fatalf("re-registration key %+v vs old %+v", k2, k)
	}
	if err := p.Arm(k, EventRead); !errors.Is(err, ErrStale) {
		t.Fatalf("old key armed the new registration: %v", err)
	}
}

func TestWriteReadiness(t *testing.T) {
	p := newPoller(t, 2)
	_, b := tcpPair(t)
	got := make(chan Event, 1)
	if _, err := p.Add(b, EventWrite, notify(got)); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, got, EventWrite, "write readiness for an empty send buffer")
}

func TestHangupReported(t *testing.T) {
	p := newPoller(t, 2)
	a, b := tcpPair(t)
	got := make(chan Event, 1)
	if _, err := p.Add(b, EventRead, notify(got)); err != nil {
		t.Fatal(err)
	}
	a.Close()
	expectEvent(t, got, EventRead, "readable (EOF) on peer close")
}

// expectEvent waits for an event on got that has the conditions in want.
func expectEvent(t *testing.T, got <-chan Event, want Event, what string) {
	t.Helper()
	select {
	case ev := <-got:
		if ev&want != want {
			t.Fatalf("event %b, want %s", ev, what)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func TestCloseIdempotent(t *testing.T) {
	p, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	_, b := tcpPair(t)
	if _, err := p.Add(b, EventRead, handlerFunc(func(Event) {})); !errors.Is(err, ErrClosed) {
		t.Fatalf("Add after Close = %v, want ErrClosed", err)
	}
}

// notify is a Handler that reports each event on got without blocking: the
// portable fallback reports a condition again for as long as it holds.
func notify(got chan<- Event) Handler {
	return handlerFunc(func(ev Event) {
		select {
		case got <- ev:
		default:
		}
	})
}

type handlerFunc func(Event)

func (f handlerFunc) Ready(ev Event) Event { f(ev); return 0 }
