package fanout

import (
	"bytes"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
)

// memoryPair returns two buses on one hub, b subscribed with h, and the
// encoded frame a sends.
func memoryPair(tb testing.TB, h Handler) (a, b *MemoryBus, frame []byte) {
	tb.Helper()
	hub := NewMemoryHub()
	cfg := BusConfig{NodeID: "node-a", SelfCheckInterval: -1, Logger: testLogger(nil)}
	a, err := hub.NewBus(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.NodeID = "node-b"
	b, err = hub.NewBus(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { a.Close(); b.Close() })
	if err := b.Subscribe(tb.Context(), NodeChannel("node-b"), h); err != nil {
		tb.Fatal(err)
	}
	env := Envelope{Kind: KindFrame, Sender: []byte("node-a"), Epoch: a.Epoch(), Session: []byte("sess-1"), Seq: 1, Payload: bytes.Repeat([]byte("p"), 1024)}
	frame, _ = env.Append(nil)
	return a, b, frame
}

// Publish → deliver on the memory bus allocates nothing in steady state.
func TestMemoryBusPublishDeliverAllocatesNothing(t *testing.T) {
	delivered := make(chan struct{}, 1)
	a, _, frame := memoryPair(t, func(env *Envelope) { delivered <- struct{}{} })
	to := NodeChannel("node-b")
	allocs := testing.AllocsPerRun(1000, func() {
		if err := a.Publish(to, frame); err != nil {
			t.Fatal(err)
		}
		<-delivered
	})
	if allocs != 0 && !raceEnabled {
		t.Fatalf("publish→deliver allocates %.1f times per message, want 0", allocs)
	}
}

// A full inbox drops, counts and reports ErrQueueFull; it never blocks.
func TestMemoryBusQueueFull(t *testing.T) {
	hub := NewMemoryHub()
	cfg := BusConfig{NodeID: "a", QueueSize: 4, SelfCheckInterval: -1, Logger: testLogger(nil)}
	a, _ := hub.NewBus(cfg)
	cfg.NodeID = "b"
	b, _ := hub.NewBus(cfg)
	t.Cleanup(func() { a.Close(); b.Close() })
	release := make(chan struct{})
	var n atomic.Int64
	subscribe(t, b, NodeChannel("b"), func(*Envelope) { n.Add(1); <-release })
	msg := encode(t, a, KindFrame, "s", 1, "x")
	full := 0
	start := time.Now()
	for i := 0; i < 100; i++ {
		if err := a.Publish(NodeChannel("b"), msg); err == ErrQueueFull {
			full++
		}
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("Publish blocked on a full inbox")
	}
	close(release)
	if full == 0 || a.Stats().DroppedQueueFull != uint64(full) {
		t.Fatalf("full=%d stats=%+v", full, a.Stats())
	}
	testkit.WaitUntil(t, 5*time.Second, "queued messages delivered", func() bool { return n.Load() == int64(100-full) })
}

func BenchmarkMemoryBusPublishDeliver(b *testing.B) {
	var count atomic.Int64
	done := make(chan struct{}, 1)
	var target int64
	a, _, frame := memoryPair(b, func(env *Envelope) {
		if count.Add(1) == atomic.LoadInt64(&target) {
			done <- struct{}{}
		}
	})
	to := NodeChannel("node-b")
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	b.ResetTimer()
	atomic.StoreInt64(&target, int64(b.N))
	for i := 0; i < b.N; i++ {
		for a.Publish(to, frame) == ErrQueueFull {
			// The benchmark outruns the consumer; let it catch up.
			waitForDrain(&count, int64(i))
		}
	}
	<-done
}

// waitForDrain yields until the consumer has delivered at least upto-1024
// messages, bounding how far the publisher runs ahead.
func waitForDrain(count *atomic.Int64, upto int64) {
	for count.Load() < upto-1024 {
		time.Sleep(10 * time.Microsecond)
	}
}
