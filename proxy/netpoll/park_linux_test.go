//go:build linux && !sidecast_portable

package netpoll

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
)

// TestWaiterParksInRuntimePoller: between bursts the waiter waits as a
// goroutine in the runtime's poller ("IO wait"), not in a system call that
// holds an OS thread, and it still wakes for the next event.
func TestWaiterParksInRuntimePoller(t *testing.T) {
	p, err := New(Config{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	a, b := tcpPair(t)
	r := newReader(t, p, b)
	parked := func() bool { return waiterState() == "IO wait" }
	testkit.WaitUntil(t, 10*time.Second, "the waiter parked", parked)
	if _, err := a.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	testkit.WaitUntil(t, 10*time.Second, "the byte read", func() bool { return r.bytes.Load() == 1 })
	testkit.WaitUntil(t, 10*time.Second, "the waiter parked again", parked)
}

// waiterState is the scheduler state runtime.Stack prints for the
// goroutine running waitLoop ("IO wait", "syscall", "runnable", ...).
func waiterState() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if !bytes.Contains(g, []byte("netpoll.(*Poller).waitLoop")) {
			continue
		}
		head, _, _ := bytes.Cut(g, []byte("\n"))
		// goroutine 7 [IO wait]:  or  goroutine 7 [IO wait, 2 minutes]:
		_, st, ok := bytes.Cut(head, []byte("["))
		if !ok {
			return ""
		}
		st, _, _ = bytes.Cut(st, []byte("]"))
		st, _, _ = bytes.Cut(st, []byte(","))
		return string(st)
	}
	return ""
}
