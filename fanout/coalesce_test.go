package fanout

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
)

// frameLog records the KindFrame envelopes a fake home node receives.
type frameLog struct {
	mu  sync.Mutex
	got []string // "payload→s1,s2"
}

func (f *frameLog) handle(env *Envelope) {
	if env.Kind != KindFrame {
		return
	}
	var ids []string
	if env.Recipients.Len() == 0 {
		ids = append(ids, string(env.Session))
	}
	for id, rest, ok := env.Recipients.Next(); ok; id, rest, ok = rest.Next() {
		ids = append(ids, string(id))
	}
	var u = unitOf()
	if err := decodeUnit(env.Payload, &u); err != nil {
		return
	}
	f.mu.Lock()
	f.got = append(f.got, string(u.Parts[0])+"→"+strings.Join(ids, ","))
	f.mu.Unlock()
}

func (f *frameLog) snapshot() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.got)
}

// TestCoalescer: identical frames for sessions of one home travel as one
// message with a recipient list, unless merging would reorder a session's
// frames.
func TestCoalescer(t *testing.T) {
	type frame struct{ sid, payload string }
	tests := []struct {
		name string
		in   []frame
		want []string
	}{
		{"broadcast to three", []frame{{"s1", "F"}, {"s2", "F"}, {"s3", "F"}}, []string{"F→s1,s2,s3"}},
		{"distinct frames", []frame{{"s1", "F"}, {"s2", "G"}}, []string{"F→s1", "G→s2"}},
		{"order per session kept", []frame{{"s1", "F"}, {"s2", "G"}, {"s2", "F"}, {"s1", "G"}},
			[]string{"F→s1", "G→s2,s1", "F→s2"}},
		{"a session's repeat is a new frame", []frame{{"s1", "F"}, {"s1", "F"}, {"s2", "F"}},
			[]string{"F→s1", "F→s1,s2"}},
	}
	hub := NewMemoryHub()
	home := newTestBus(t, hub, "home")
	var log frameLog
	subscribe(t, home, NodeChannel("home"), log.handle)
	mirrorBus := newTestBus(t, hub, "mirror")
	c := &Cluster{bus: mirrorBus, self: []byte("mirror"), cfg: ClusterConfig{CoalesceWindow: time.Hour}.withDefaults()}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log.mu.Lock()
			log.got = nil
			log.mu.Unlock()
			co := newCoalescer(c, "home")
			defer co.close()
			for _, f := range tt.in {
				co.add([]byte(f.sid), unitOf(f.payload))
			}
			co.flush()
			testkit.WaitUntil(t, 5*time.Second, "frames arrive", func() bool { return len(log.snapshot()) >= len(tt.want) })
			if got := log.snapshot(); !slices.Equal(got, tt.want) {
				t.Fatalf("bus carried %q, want %q", got, tt.want)
			}
		})
	}
}

// TestCoalescerWindow: without an explicit flush the window sends the batch.
func TestCoalescerWindow(t *testing.T) {
	hub := NewMemoryHub()
	home := newTestBus(t, hub, "home")
	var log frameLog
	subscribe(t, home, NodeChannel("home"), log.handle)
	mirrorBus := newTestBus(t, hub, "mirror")
	c := &Cluster{bus: mirrorBus, self: []byte("mirror"), cfg: ClusterConfig{CoalesceWindow: 20 * time.Millisecond}.withDefaults()}
	co := newCoalescer(c, "home")
	defer co.close()
	start := time.Now()
	co.add([]byte("s1"), unitOf("F"))
	co.add([]byte("s2"), unitOf("F"))
	d := testkit.WaitUntil(t, 5*time.Second, "the window flushes", func() bool { return len(log.snapshot()) == 1 })
	t.Logf("flushed after %v (window 20ms)", d)
	if time.Since(start) < 20*time.Millisecond {
		t.Fatalf("flushed before the window: %v", time.Since(start))
	}
	if got := log.snapshot(); got[0] != "F→s1,s2" {
		t.Fatalf("got %q", got)
	}
}

func newTestBus(t *testing.T, hub *MemoryHub, id string) Bus {
	t.Helper()
	cfg := fastConfig(id)
	cfg.SelfCheckInterval = -1
	b, err := hub.NewBus(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// TestCoalescerArmsNoTimerPerBatch: batches that leave when the poller goes
// idle do not arm the backstop timer each: arming a timer earlier than the
// runtime's next one wakes a sleeping thread, which at a few thousand
// frames a second was a large part of what a relayed frame cost.
func TestCoalescerArmsNoTimerPerBatch(t *testing.T) {
	hub := NewMemoryHub()
	mirrorBus := newTestBus(t, hub, "mirror")
	c := &Cluster{bus: mirrorBus, self: []byte("mirror"), cfg: ClusterConfig{CoalesceWindow: 250 * time.Microsecond}.withDefaults()}
	co := newCoalescer(c, "home")
	c.co = map[string]*coalescer{"home": co}
	defer co.close()
	const batches = 200
	start := time.Now()
	for i := range batches {
		co.add([]byte("s1"), unitOf("F"+strconv.Itoa(i)))
		c.PollerIdle()
	}
	elapsed := time.Since(start)
	co.mu.Lock()
	arms := co.arms
	co.mu.Unlock()
	// One arm per backstop period at most, and one more for the period in
	// which the loop ended.
	if limit := int(elapsed/c.backstop()) + 1; arms > limit {
		t.Fatalf("%d batches in %v armed the timer %d times, want at most %d", batches, elapsed, arms, limit)
	}
	if got := c.stats.relayed.Load(); got != batches {
		t.Fatalf("relayed %d frames, want %d", got, batches)
	}
	t.Logf("%d batches in %v: timer armed %d times", batches, elapsed, arms)
}

// TestPollerServedFlushesAfterWindow: on a poller that is never idle, held
// frames leave at the first connection served once they have waited the
// window, and not before.
func TestPollerServedFlushesAfterWindow(t *testing.T) {
	const window = time.Hour // the backstop timer never fires in this test
	hub := NewMemoryHub()
	mirrorBus := newTestBus(t, hub, "mirror")
	c := &Cluster{bus: mirrorBus, self: []byte("mirror"), cfg: ClusterConfig{CoalesceWindow: window}.withDefaults()}
	co := newCoalescer(c, "home")
	c.co = map[string]*coalescer{"home": co}
	defer co.close()
	co.add([]byte("s1"), unitOf("F"))
	co.add([]byte("s2"), unitOf("F"))
	c.PollerServed()
	if got := c.stats.relayed.Load(); got != 0 {
		t.Fatalf("relayed %d frames before the window passed", got)
	}
	// The frames have now waited the window.
	c.coSince.Add(-int64(window))
	c.PollerServed()
	if got := c.stats.relayed.Load(); got != 2 {
		t.Fatalf("relayed %d frames after the window, want 2 (as one message)", got)
	}
	if c.IdlePending() {
		t.Fatal("still pending after the flush")
	}
}
