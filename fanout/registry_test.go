package fanout

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
)

// Short, named intervals so arrival and death show up fast.
const (
	testBeat = 200 * time.Millisecond
	testTTL  = time.Second
	testPoll = 100 * time.Millisecond
	// deathSlack absorbs scheduling delays on a loaded machine; the bound
	// asserted is TTL + poll + slack, with the measured time logged.
	deathSlack = time.Second
)

// eventLog records a registry's events with their arrival time.
type eventLog struct {
	mu     sync.Mutex
	events []PeerEvent
	at     []time.Time
}

func (l *eventLog) add(e PeerEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
	l.at = append(l.at, time.Now())
}

// find returns when the first event of kind for id arrived.
func (l *eventLog) find(kind PeerEventKind, id string) (PeerEvent, time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, e := range l.events {
		if e.Kind == kind && e.Peer.ID == id {
			return e, l.at[i], true
		}
	}
	return PeerEvent{}, time.Time{}, false
}

func startRegistry(t *testing.T, b Bus, addr string, log *eventLog) *Registry {
	t.Helper()
	return startRegistryWith(t, b, RegistryConfig{Address: addr}, log)
}

// startRegistryWith starts a registry of cfg with the tests' short timings.
func startRegistryWith(t *testing.T, b Bus, cfg RegistryConfig, log *eventLog) *Registry {
	t.Helper()
	cfg.HeartbeatInterval, cfg.TTL, cfg.PollInterval = testBeat, testTTL, testPoll
	cfg.OnChange, cfg.Logger = log.add, testLogger(nil)
	r, err := NewRegistry(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Start(ctx); err != nil {
		t.Fatalf("start registry: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func TestRegistryArrivalAndDeath(t *testing.T) {
	for _, n := range networks(t) {
		t.Run(n.name, func(t *testing.T) {
			var logA, logB eventLog
			ra := startRegistry(t, n.bus(t, fastConfig("node-a")), "10.0.0.1:3000", &logA)
			busB := n.bus(t, fastConfig("node-b"))
			rb := startRegistry(t, busB, "10.0.0.2:3000", &logB)

			testkit.WaitUntil(t, 5*time.Second, "a sees b arrive", func() bool { _, _, ok := logA.find(PeerUp, "node-b"); return ok })
			testkit.WaitUntil(t, 5*time.Second, "b sees a", func() bool { _, _, ok := logB.find(PeerUp, "node-a"); return ok })
			peers := ra.Peers()
			if len(peers) != 1 || peers[0] != (Peer{ID: "node-b", Epoch: busB.Epoch(), Address: "10.0.0.2:3000"}) {
				t.Fatalf("a's peers = %+v", peers)
			}

			died := time.Now()
			rb.crash() // no departure: only the TTL can tell
			testkit.WaitUntil(t, testTTL+testPoll+10*time.Second, "a sees b die", func() bool { _, _, ok := logA.find(PeerDown, "node-b"); return ok })
			ev, at, _ := logA.find(PeerDown, "node-b")
			took := at.Sub(died)
			t.Logf("%s: death seen after %v (TTL %v, heartbeat %v, poll %v)", n.name, took, testTTL, testBeat, testPoll)
			if ev.Reason != "expired" {
				t.Fatalf("down reason %q, want expired", ev.Reason)
			}
			if took > testTTL+testPoll+deathSlack {
				t.Fatalf("death seen after %v, want within TTL+poll (%v) plus %v slack", took, testTTL+testPoll, deathSlack)
			}
			if len(ra.Peers()) != 0 {
				t.Fatalf("dead peer still listed: %+v", ra.Peers())
			}
		})
	}
}

func TestRegistryLeaveAndRestart(t *testing.T) {
	for _, n := range networks(t) {
		t.Run(n.name, func(t *testing.T) {
			var logA, logB eventLog
			startRegistry(t, n.bus(t, fastConfig("node-a")), "a:1", &logA)
			busB := n.bus(t, fastConfig("node-b"))
			rb := startRegistry(t, busB, "b:1", &logB)
			testkit.WaitUntil(t, 5*time.Second, "a sees b", func() bool { _, _, ok := logA.find(PeerUp, "node-b"); return ok })

			if err := rb.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
			took := testkit.WaitUntil(t, 5*time.Second, "a sees b leave", func() bool { _, _, ok := logA.find(PeerDown, "node-b"); return ok })
			if ev, _, _ := logA.find(PeerDown, "node-b"); ev.Reason != "left" {
				t.Fatalf("reason %q, want left", ev.Reason)
			}
			t.Logf("%s: departure seen after %v", n.name, took)

			// The same id with a new boot epoch is a new node.
			cfg := fastConfig("node-b")
			cfg.Epoch = busB.Epoch() + 1
			startRegistry(t, n.bus(t, cfg), "b:2", &logB)
			testkit.WaitUntil(t, 5*time.Second, "a sees b again", func() bool {
				logA.mu.Lock()
				defer logA.mu.Unlock()
				last := logA.events[len(logA.events)-1]
				return last.Kind == PeerUp && last.Peer.Epoch == cfg.Epoch && last.Peer.Address == "b:2"
			})
		})
	}
}

func TestRegistryCloseIdempotent(t *testing.T) {
	n := &network{name: "memory", hub: NewMemoryHub()}
	r, err := NewRegistry(n.bus(t, fastConfig("a")), RegistryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // never started
		_ = r.Close()
	}
}

// A node whose own record vanished (Redis outage past the TTL, Redis data
// lost) is told, and registers again.
func TestRegistrySelfLapsed(t *testing.T) {
	for _, n := range networks(t) {
		t.Run(n.name, func(t *testing.T) {
			var logA, logB eventLog
			busA := n.bus(t, fastConfig("node-a"))
			startRegistry(t, busA, "a:1", &logA)
			startRegistry(t, n.bus(t, fastConfig("node-b")), "b:1", &logB)
			testkit.WaitUntil(t, 5*time.Second, "b sees a", func() bool { _, _, ok := logB.find(PeerUp, "node-a"); return ok })

			if err := busA.DeletePresence(context.Background(), "node-a"); err != nil {
				t.Fatal(err)
			}
			testkit.WaitUntil(t, 5*time.Second, "a told its record lapsed", func() bool { _, _, ok := logA.find(SelfLapsed, "node-a"); return ok })
			listed := func() bool {
				found := false
				_ = busA.ListPresence(context.Background(), func(id string, _ []byte) { found = found || id == "node-a" })
				return found
			}
			testkit.WaitUntil(t, 5*time.Second, "a's record stored again", listed)
		})
	}
}
