//go:build linux && !sidecast_portable

package netpoll

import (
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
)

// gate is a Handler whose first call waits to be released.
type gate struct {
	calls, maxBusy   atomic.Int32
	busy             atomic.Int32
	last             atomic.Uint32 // the Events of the latest call
	entered, release chan struct{}
}

func (g *gate) Ready(ev Event) Event {
	if n := g.busy.Add(1); n > g.maxBusy.Load() {
		g.maxBusy.Store(n)
	}
	defer g.busy.Add(-1)
	g.last.Store(uint32(ev))
	if g.calls.Add(1) == 1 {
		close(g.entered)
		<-g.release
	}
	return 0
}

// TestEventWhileServingGoesRoundAgain: an event for a registration a worker
// is serving is neither lost nor served by a second worker: the serving
// worker calls the handler again, and OnIdle waits for that second round.
func TestEventWhileServingGoesRoundAgain(t *testing.T) {
	g := &gate{entered: make(chan struct{}), release: make(chan struct{})}
	var idles, early atomic.Int32
	p := &Poller{cfg: Config{OnIdle: func() {
		idles.Add(1)
		if g.busy.Load() != 0 {
			early.Add(1)
		}
	}}, work: make(chan *reg, 4)}
	p.wg.Add(2)
	go p.workLoop()
	go p.workLoop()
	r := &reg{h: g}

	p.busy.Add(1) // a burst of one event, handed to a worker
	p.deliver(r, EventRead, false)
	<-g.entered
	p.busy.Add(1) // a second burst while the first round still runs
	p.deliver(r, EventWrite, false)
	if got := r.state.Load(); got != serving|uint32(EventWrite) {
		t.Fatalf("state %#x while serving, want the write event pending", got)
	}
	if idles.Load() != 0 {
		t.Fatal("OnIdle ran while the first round was still serving")
	}
	close(g.release)
	testkit.WaitUntil(t, 10*time.Second, "the second round and OnIdle", func() bool { return idles.Load() == 1 })
	close(p.work)
	p.wg.Wait()

	if g.calls.Load() != 2 || Event(g.last.Load()) != EventWrite {
		t.Fatalf("%d calls, last with %b; want 2, the second with the write event", g.calls.Load(), g.last.Load())
	}
	if g.maxBusy.Load() != 1 || early.Load() != 0 || idles.Load() != 1 {
		t.Fatalf("max %d at once, OnIdle %d times (%d early); want 1, 1, 0",
			g.maxBusy.Load(), idles.Load(), early.Load())
	}
	if r.state.Load() != 0 {
		t.Fatalf("state %#x after serving, want idle", r.state.Load())
	}
}

// TestServedCallsOnServedUntilIdle: each event of a burst counted off
// while others are still in flight calls OnServed, the last one OnIdle, so
// a poller that is never idle still gives batched work a place to leave.
func TestServedCallsOnServedUntilIdle(t *testing.T) {
	var calls []string
	p := &Poller{cfg: Config{
		OnIdle:   func() { calls = append(calls, "idle") },
		OnServed: func() { calls = append(calls, "served") },
	}}
	p.busy.Store(3)
	for range 3 {
		p.served()
	}
	if want := []string{"served", "served", "idle"}; !slices.Equal(calls, want) {
		t.Fatalf("calls %q, want %q", calls, want)
	}
}
