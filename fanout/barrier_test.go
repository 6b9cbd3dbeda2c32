package fanout

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
	"github.com/sidecast/sidecast/proxy"
)

// recordingHome records what the fan-out writes to the home backend.
type recordingHome struct {
	mu      sync.Mutex
	backend []string
	at      []time.Time
}

func (h *recordingHome) WriteBackend(u proxy.Unit) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.backend = append(h.backend, string(u.Parts[0]))
	h.at = append(h.at, time.Now())
	return nil
}
func (h *recordingHome) FlushBackend() error          { return nil }
func (h *recordingHome) WriteClient(proxy.Unit) error { return nil }
func (h *recordingHome) FlushClient() error           { return nil }
func (h *recordingHome) Close(string)                 {}

func (h *recordingHome) written() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.backend...)
}

// fakePeer is a node with a bus and a registry but no cluster: it records
// control envelopes and acks them only while answer is set.
type fakePeer struct {
	bus    Bus
	answer atomic.Bool
	mu     sync.Mutex
	kinds  []Kind
}

func (p *fakePeer) handle(env *Envelope) {
	p.mu.Lock()
	p.kinds = append(p.kinds, env.Kind)
	p.mu.Unlock()
	if p.answer.Load() && env.Kind != KindSessionClose {
		ack := Envelope{Kind: KindBarrierAck, Sender: []byte(p.bus.NodeID()), Epoch: p.bus.Epoch(), Session: env.Session, Seq: env.Seq}
		b, _ := ack.Append(nil)
		_ = p.bus.Publish(NodeChannel(string(env.Sender)), b)
	}
}

// barrierRig is a home cluster "a" and a fake peer "b" on a memory hub.
func barrierRig(t *testing.T, timeout time.Duration, mods ...func(*ClusterConfig)) (*Cluster, *fakePeer) {
	t.Helper()
	hub := NewMemoryHub()
	reg := func(b Bus) *Registry {
		r, err := NewRegistry(b, RegistryConfig{HeartbeatInterval: 50 * time.Millisecond, Logger: testLogger(nil)})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = r.Close() })
		return r
	}
	busA, busB := newTestBus(t, hub, "a"), newTestBus(t, hub, "b")
	peer := &fakePeer{bus: busB}
	subscribe(t, busB, NodeChannel("b"), peer.handle)
	subscribe(t, busB, MembersChannel, peer.handle)
	regA := reg(busA)
	reg(busB)
	testkit.WaitUntil(t, 5*time.Second, "a sees b", func() bool { return len(regA.Peers()) == 1 })
	px, err := proxy.New(proxy.Config{Protocol: proxy.ProtocolSocketIO, Backend: &url.URL{Scheme: "http", Host: "127.0.0.1:9"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = px.Close() })
	cfg := ClusterConfig{MirrorEvents: []string{"join"}, BarrierTimeout: timeout,
		ReleaseGrace: time.Millisecond, Logger: testLogger(nil)}
	for _, m := range mods {
		m(&cfg)
	}
	c := NewCluster(busA, regA, px, cfg)
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, peer
}

func openHome(c *Cluster) (proxy.ClusterSession, *recordingHome) {
	home := &recordingHome{}
	return c.OpenSession(proxy.Handshake{Path: "/socket.io/", Header: http.Header{}}, home), home
}

// TestBarrierHoldsUntilPeerWrote: a CONNECT goes to the home backend when
// the members channel brings it back, and what follows waits at home until
// the live peer acked; a healthy peer never times out.
func TestBarrierHoldsUntilPeerWrote(t *testing.T) {
	c, peer := barrierRig(t, 5*time.Second)
	peer.answer.Store(true)
	cs, home := openHome(c)
	if err := cs.FromClient(unitOf(`40{"userId":"a"}`)); err != nil {
		t.Fatal(err)
	}
	_ = cs.FromClient(unitOf(`42["send_message",{}]`))
	d := testkit.WaitUntil(t, 5*time.Second, "both units reach the backend", func() bool { return len(home.written()) == 2 })
	t.Logf("barrier released after %v", d)
	if got := home.written(); got[0] != `40{"userId":"a"}` || got[1] != `42["send_message",{}]` {
		t.Fatalf("backend got %q", got)
	}
	if st := c.Stats(); st.BarrierTimeouts != 0 {
		t.Fatalf("%d barrier timeouts with a healthy peer", st.BarrierTimeouts)
	}
	cs.Closed(func() {})
}

// TestBarrierTimeoutThenNotWaited: a silent peer stalls what follows a
// membership packet for BarrierTimeout, is counted, and is not waited for
// again until it answers.
func TestBarrierTimeoutThenNotWaited(t *testing.T) {
	const bound = 300 * time.Millisecond
	c, peer := barrierRig(t, bound)
	cs, home := openHome(c)
	start := time.Now()
	_ = cs.FromClient(unitOf(`40{"userId":"a"}`))
	_ = cs.FromClient(unitOf(`42["send_message",{}]`))
	testkit.WaitUntil(t, 5*time.Second, "the CONNECT goes in the members channel's order", func() bool { return len(home.written()) == 1 })
	testkit.WaitUntil(t, 5*time.Second, "what follows goes after the bound", func() bool { return len(home.written()) == 2 })
	if waited := time.Since(start); waited < bound {
		t.Fatalf("released after %v, before the bound %v", waited, bound)
	}
	if st := c.Stats(); st.BarrierTimeouts != 1 || st.Diverged != 1 {
		t.Fatalf("stats after one missed barrier: %+v", st)
	}
	start = time.Now()
	_ = cs.FromClient(unitOf(`42["join",{"r":2}]`)) // membership, but the peer is not waited for
	testkit.WaitUntil(t, 5*time.Second, "the join goes at once", func() bool { return len(home.written()) == 3 })
	if waited := time.Since(start); waited > bound/2 {
		t.Fatalf("a peer that missed a barrier was waited for again (%v)", waited)
	}
	// Once the peer answers anything it is waited for again.
	peer.answer.Store(true)
	ack := Envelope{Kind: KindBarrierAck, Sender: []byte("b"), Epoch: peer.bus.Epoch(), Session: []byte("x"), Seq: 1}
	b, _ := ack.Append(nil)
	_ = peer.bus.Publish(NodeChannel("a"), b)
	testkit.WaitUntil(t, 5*time.Second, "the peer counts again", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return !c.missed["b"]
	})
	_ = cs.FromClient(unitOf(`42["join",{"r":3}]`))
	testkit.WaitUntil(t, 5*time.Second, "the acked join goes", func() bool { return len(home.written()) == 4 })
	if st := c.Stats(); st.BarrierTimeouts != 1 {
		t.Fatalf("barrier timeouts %d after the peer answered, want 1", st.BarrierTimeouts)
	}
	cs.Closed(func() {})
}

// TestSequenceGapAsksResync: a mirror that sees a control sequence number
// jump (pub/sub lost one) asks home for a resync; duplicates are ignored.
func TestSequenceGapAsksResync(t *testing.T) {
	hub := NewMemoryHub()
	home := newTestBus(t, hub, "home")
	var mu sync.Mutex
	var got []Kind
	var seqs []uint64
	subscribe(t, home, NodeChannel("home"), func(env *Envelope) {
		mu.Lock()
		got, seqs = append(got, env.Kind), append(seqs, env.Seq)
		mu.Unlock()
	})
	c := &Cluster{bus: newTestBus(t, hub, "m"), self: []byte("m"), log: testLogger(nil),
		cfg: ClusterConfig{}.withDefaults(), mirrors: map[string]*mirror{}, co: map[string]*coalescer{}}
	c.mu.Lock()
	m := c.newMirrorLocked("home/s", "home", []byte("s"), 1) // handshake was seq 1; still dialing
	c.mu.Unlock()
	tests := []struct {
		name    string
		seq     uint64
		lastSeq uint64
		resync  bool
	}{
		{"next", 2, 2, false},
		{"duplicate", 2, 2, false},
		{"gap", 4, 2, true},
		{"next after", 3, 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			before := len(got)
			mu.Unlock()
			m.apply(tt.seq, appendUnit(nil, unitOf(`42["join",{}]`)))
			if m.seq() != tt.lastSeq {
				t.Fatalf("lastSeq %d, want %d", m.seq(), tt.lastSeq)
			}
			if tt.resync {
				testkit.WaitUntil(t, 5*time.Second, "a resync request", func() bool {
					mu.Lock()
					defer mu.Unlock()
					return len(got) > before && got[len(got)-1] == KindResyncRequest
				})
			}
		})
	}
	if st := c.stats.gaps.Load(); st != 1 {
		t.Fatalf("%d gaps counted, want 1", st)
	}
}

// TestBarrierHoldIsBounded: a client that sends more than MaxHeldBytes
// while its barrier is open gets ErrQueueFull (the proxy then closes it as
// it closes any too fast sender); nothing grows without bound.
func TestBarrierHoldIsBounded(t *testing.T) {
	c, _ := barrierRig(t, 5*time.Second, func(cfg *ClusterConfig) { cfg.MaxHeldBytes = 1000 })
	cs, _ := openHome(c) // the silent peer keeps the handshake barrier open
	var err error
	n := 0
	for ; n < 100 && err == nil; n++ {
		err = cs.FromClient(unitOf(`42["send_message",{"text":"` + strings.Repeat("x", 50) + `"}]`))
	}
	if !errors.Is(err, proxy.ErrQueueFull) {
		t.Fatalf("after %d units: %v, want ErrQueueFull", n, err)
	}
	if n < 10 || c.Stats().HeldOverflow != 1 {
		t.Fatalf("overflow after %d units (stats %+v)", n, c.Stats())
	}
	cs.Closed(func() {})
}
