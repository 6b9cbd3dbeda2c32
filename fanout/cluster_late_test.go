package fanout

import (
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
)

// TestClusterLateNode: a node that starts after clients connected and
// joined gets mirrors for them from snapshots, with their memberships, and
// its own clients then talk with them both ways.
func TestClusterLateNode(t *testing.T) {
	for _, n := range networks(t) {
		t.Run(n.name, func(t *testing.T) {
			a := startWSNode(t, n, "a", wsClusterConfig())
			b := startWSNode(t, n, "b", wsClusterConfig())
			waitPeers(t, a, b)
			alice, bob := dialChat(t, a, "alice"), dialChat(t, b, "bob")
			alice.send(map[string]any{"type": "join", "room": "r"})
			alice.waitFor(map[string]any{"type": "joined", "user": "alice"}, 1)
			bob.send(map[string]any{"type": "join", "room": "r"})
			alice.waitFor(map[string]any{"type": "joined", "user": "bob"}, 1)

			c := startWSNode(t, n, "c", wsClusterConfig())
			waitPeers(t, a, b, c)
			d := testkit.WaitUntil(t, 10*time.Second, "late node mirrors both sessions", func() bool { return c.cl.Mirrors() == 2 })
			t.Logf("%s: late node mirrored the sessions in %v", n.name, d)
			carol := dialChat(t, c, "carol")
			carol.send(map[string]any{"type": "join", "room": "r"})
			carol.waitFor(map[string]any{"type": "joined", "user": "carol"}, 1)
			alice.send(map[string]any{"type": "say", "room": "r", "text": "hi carol"})
			carol.waitFor(map[string]any{"type": "said", "from": "alice", "text": "hi carol"}, 1)
			carol.send(map[string]any{"type": "say", "room": "r", "text": "hi all"})
			alice.waitFor(map[string]any{"type": "said", "from": "carol", "text": "hi all"}, 1)
			bob.waitFor(map[string]any{"type": "said", "from": "carol", "text": "hi all"}, 1)
		})
	}
}
