package fanout

import (
	"testing"
	"time"
)

// TestClusterWebSocketRoom: two wschat backends behind two nodes behave as
// one: a room split over the nodes gets each message once, in both
// directions, and leave stops delivery.
func TestClusterWebSocketRoom(t *testing.T) {
	for _, n := range networks(t) {
		t.Run(n.name, func(t *testing.T) {
			a := startWSNode(t, n, "a", wsClusterConfig())
			b := startWSNode(t, n, "b", wsClusterConfig())
			waitPeers(t, a, b)
			alice, bob := dialChat(t, a, "alice"), dialChat(t, b, "bob")
			alice.send(map[string]any{"type": "join", "room": "r"})
			alice.waitFor(map[string]any{"type": "joined", "user": "alice"}, 1)
			bob.send(map[string]any{"type": "join", "room": "r"})
			bob.waitFor(map[string]any{"type": "joined", "user": "bob"}, 1)
			alice.waitFor(map[string]any{"type": "joined", "user": "bob"}, 1)

			start := time.Now()
			alice.send(map[string]any{"type": "say", "room": "r", "text": "hi"})
			bob.waitFor(map[string]any{"type": "said", "from": "alice", "text": "hi"}, 1)
			t.Logf("%s: cross-node delivery in %v", n.name, time.Since(start))
			alice.waitFor(map[string]any{"type": "said", "from": "alice", "text": "hi"}, 1)
			bob.send(map[string]any{"type": "say", "room": "r", "text": "yo"})
			alice.waitFor(map[string]any{"type": "said", "from": "bob", "text": "yo"}, 1)
			bob.waitFor(map[string]any{"type": "said", "from": "bob", "text": "yo"}, 1)

			bob.send(map[string]any{"type": "leave", "room": "r"})
			alice.waitFor(map[string]any{"type": "left", "user": "bob"}, 1)
			alice.send(map[string]any{"type": "say", "room": "r", "text": "gone?"})
			alice.waitFor(map[string]any{"type": "said", "text": "gone?"}, 1)
			bob.send(map[string]any{"type": "say", "room": "r", "text": "probe"}) // bob is out: an error comes back
			bob.waitFor(map[string]any{"type": "error"}, 1)
			if got := bob.count(map[string]any{"type": "said", "text": "gone?"}); got != 0 {
				t.Fatalf("bob got %d messages after leaving", got)
			}
			if st := a.cl.Stats(); st.BarrierTimeouts != 0 {
				t.Fatalf("barrier timeouts with healthy peers: %+v", st)
			}
		})
	}
}
