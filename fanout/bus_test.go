package fanout

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/syncbuf"
	"github.com/sidecast/sidecast/internal/testkit"
)

func TestBusPublishSubscribe(t *testing.T) {
	for _, n := range networks(t) {
		t.Run(n.name, func(t *testing.T) {
			a, b := n.bus(t, fastConfig("node-a")), n.bus(t, fastConfig("node-b"))
			var got collector
			subscribe(t, b, NodeChannel("node-b"), got.handle)
			for i := 1; i <= 10; i++ {
				if err := a.Publish(NodeChannel("node-b"), encode(t, a, KindFrame, "s1", uint64(i), fmt.Sprintf("frame %d", i))); err != nil {
					t.Fatalf("publish: %v", err)
				}
			}
			testkit.WaitUntil(t, 10*time.Second, "10 messages delivered", func() bool { return got.len() == 10 })
			for i, r := range got.all() {
				want := received{KindFrame, "node-a", "s1", a.Epoch(), uint64(i + 1), fmt.Sprintf("frame %d", i+1)}
				if r != want {
					t.Fatalf("message %d = %+v, want %+v", i, r, want)
				}
			}
			if s := b.Stats(); s.Delivered != 10 {
				t.Fatalf("b delivered %d, want 10", s.Delivered)
			}
		})
	}
}

// One publisher's messages arrive in publish order, batching and all.
func TestBusOrderUnderBatching(t *testing.T) {
	const total = 10000
	for _, n := range networks(t) {
		t.Run(n.name, func(t *testing.T) {
			a, b := n.bus(t, fastConfig("node-a")), n.bus(t, fastConfig("node-b"))
			var got collector
			subscribe(t, b, NodeChannel("node-b"), got.handle)
			start := time.Now()
			for i := 1; i <= total; i++ {
				if err := a.Publish(NodeChannel("node-b"), encode(t, a, KindFrame, "s1", uint64(i), "x")); err != nil {
					t.Fatalf("publish %d: %v", i, err)
				}
			}
			testkit.WaitUntil(t, 60*time.Second, "10,000 messages delivered", func() bool { return got.len() >= total })
			t.Logf("%s: %d messages published and delivered in %v", n.name, total, time.Since(start))
			for i, r := range got.all() {
				if r.seq != uint64(i+1) {
					t.Fatalf("message %d has seq %d: order broken", i, r.seq)
				}
			}
			if got.len() != total {
				t.Fatalf("delivered %d, want %d", got.len(), total)
			}
		})
	}
}

func TestBusSelfCheck(t *testing.T) {
	for _, n := range networks(t) {
		t.Run(n.name, func(t *testing.T) {
			a := n.bus(t, fastConfig("node-a"))
			took := testkit.WaitUntil(t, 10*time.Second, "self-check healthy", func() bool { return a.Status().Healthy })
			st := a.Status()
			if !st.Connected || st.Err != nil || st.LastCheck.IsZero() || st.RoundTrip <= 0 {
				t.Fatalf("status %+v", st)
			}
			t.Logf("%s: healthy after %v, probe round trip %v", n.name, took, st.RoundTrip)
			if a.Stats().Delivered != 0 {
				t.Fatal("self-check probes reached the handler count")
			}
		})
	}
}

// Envelopes of an unknown version are refused, counted and logged; the
// stream goes on.
func TestBusRefusesUnknownVersion(t *testing.T) {
	for _, n := range networks(t) {
		t.Run(n.name, func(t *testing.T) {
			var logs syncbuf.Buffer
			cfgB := fastConfig("node-b")
			cfgB.Logger = testLogger(&logs)
			a, b := n.bus(t, fastConfig("node-a")), n.bus(t, cfgB)
			var got collector
			subscribe(t, b, NodeChannel("node-b"), got.handle)
			future := encode(t, a, KindFrame, "s", 1, "from a newer node")
			future[0] = Version + 1
			garbage := []byte{Version, 0xff}
			for _, m := range [][]byte{future, garbage, encode(t, a, KindFrame, "s", 2, "ok")} {
				if err := a.Publish(NodeChannel("node-b"), m); err != nil {
					t.Fatal(err)
				}
			}
			testkit.WaitUntil(t, 10*time.Second, "valid message after refused ones", func() bool { return got.len() == 1 })
			if r := got.all()[0]; r.seq != 2 {
				t.Fatalf("delivered %+v, want only seq 2", r)
			}
			s := b.Stats()
			if s.UnknownVersion != 1 || s.Malformed != 1 {
				t.Fatalf("stats %+v, want 1 unknown version and 1 malformed", s)
			}
			if !containsAll(logs.String(), "refused bus envelope", "version=2") {
				t.Fatalf("refusal not logged:\n%s", logs.String())
			}
		})
	}
}

func TestBusSubscribeErrors(t *testing.T) {
	for _, n := range networks(t) {
		t.Run(n.name, func(t *testing.T) {
			a := n.bus(t, fastConfig("node-a"))
			h := func(*Envelope) {}
			subscribe(t, a, NodeChannel("node-a"), h)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := a.Subscribe(ctx, NodeChannel("node-a"), h); !errors.Is(err, ErrAlreadySubscribed) {
				t.Fatalf("second subscribe: %v, want ErrAlreadySubscribed", err)
			}
			for _, ch := range []Channel{"", "a b", "x*", "room#1", "{tag}"} {
				if err := a.Subscribe(ctx, ch, h); !errors.Is(err, ErrBadChannel) {
					t.Fatalf("subscribe %q: %v, want ErrBadChannel", ch, err)
				}
				if err := a.Publish(ch, []byte("x")); !errors.Is(err, ErrBadChannel) {
					t.Fatalf("publish %q: %v, want ErrBadChannel", ch, err)
				}
			}
		})
	}
}

func TestBusCloseIdempotent(t *testing.T) {
	for _, n := range networks(t) {
		t.Run(n.name, func(t *testing.T) {
			a := n.bus(t, fastConfig("node-a"))
			for i := 0; i < 3; i++ {
				if err := a.Close(); err != nil {
					t.Fatalf("close %d: %v", i, err)
				}
			}
			if err := a.Publish(ClusterChannel, []byte("x")); !errors.Is(err, ErrClosed) {
				t.Fatalf("publish after close: %v, want ErrClosed", err)
			}
			if st := a.Status(); st.Connected || st.Healthy {
				t.Fatalf("closed bus reports %+v", st)
			}
		})
	}
}

func TestBusConfigRefusesBadNodeID(t *testing.T) {
	for _, id := range []string{"", "a b", "node#1", "x{y}", string(make([]byte, 65))} {
		if _, err := NewMemoryHub().NewBus(BusConfig{NodeID: id}); !errors.Is(err, ErrBadNodeID) {
			t.Errorf("node id %q: %v, want ErrBadNodeID", id, err)
		}
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
