package netpoll

import (
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
)

// TestOnIdleAfterBurst: OnIdle runs once every ready connection has been
// served, never while a handler still runs, and again after each burst.
func TestOnIdleAfterBurst(t *testing.T) {
	t.Run("plain", func(t *testing.T) { testOnIdleAfterBurst(t, nil) })
	// Lingering polls once more before going idle; OnIdle must still come
	// after every burst.
	t.Run("linger", func(t *testing.T) { testOnIdleAfterBurst(t, func() bool { return true }) })
}

func testOnIdleAfterBurst(t *testing.T, linger func() bool) {
	const conns = 8
	var list atomic.Pointer[[]*reader]
	var idles, early atomic.Int64
	p, err := New(Config{Workers: 4, Linger: linger, OnIdle: func() {
		idles.Add(1)
		rs := list.Load()
		if rs == nil {
			return
		}
		for _, r := range *rs {
			if r.busy.Load() != 0 {
				early.Add(1)
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	writers := make([]*net.TCPConn, conns)
	readers := make([]*reader, conns)
	for i := range conns {
		a, b := tcpPair(t)
		writers[i], readers[i] = a, newReader(t, p, b)
	}
	list.Store(&readers)
	for burst := int64(1); burst <= 3; burst++ {
		before := idles.Load()
		for _, w := range writers {
			if _, err := w.Write([]byte("x")); err != nil {
				t.Fatal(err)
			}
		}
		testkit.WaitUntil(t, 10*time.Second, "every connection read and the poller idle", func() bool {
			for _, r := range readers {
				if r.bytes.Load() < burst {
					return false
				}
			}
			return idles.Load() > before
		})
	}
	if early.Load() != 0 {
		t.Fatalf("OnIdle ran %d times while a handler was still serving", early.Load())
	}
	t.Logf("3 bursts over %d connections: OnIdle ran %d times", conns, idles.Load())
}
