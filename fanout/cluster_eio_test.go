package fanout

import (
	"net/url"
	"testing"

	"github.com/sidecast/sidecast/internal/conformance"
	"github.com/sidecast/sidecast/proxy"
)

// startEIONode starts a node with PROTOCOL=engineio in front of its own
// plain engine.io room chat (the conformance peer, on /socket.io/).
func startEIONode(t *testing.T, n *network, id string, cfg ClusterConfig) *testNode {
	t.Helper()
	peer := conformance.StartPeer(t, conformance.ModeEngineIO, "EIO_PATH=/socket.io/")
	u, err := url.Parse(peer.URL)
	if err != nil {
		t.Fatal(err)
	}
	return startNodeOn(t, n, id, u, proxy.ProtocolEngineIO, cfg)
}

// dialEIOChat opens an Engine.IO websocket session for user on node.
func dialEIOChat(t *testing.T, node *testNode, user string) *chatClient {
	t.Helper()
	return dialChatAt(t, node, "/socket.io/?EIO=4&transport=websocket&user="+user, user, true, nil)
}

// TestClusterEngineIORoom: with PROTOCOL=engineio, two plain engine.io
// backends behind two nodes behave as one: membership events named by
// EVENT_FIELD of JSON messages are replayed on mirrors, so a room split
// over the nodes gets each message once, and leave stops delivery.
func TestClusterEngineIORoom(t *testing.T) {
	n := networks(t)[0]
	a := startEIONode(t, n, "a", wsClusterConfig())
	b := startEIONode(t, n, "b", wsClusterConfig())
	waitPeers(t, a, b)
	alice, bob := dialEIOChat(t, a, "alice"), dialEIOChat(t, b, "bob")
	alice.send(map[string]any{"type": "join", "room": "r", "user": "alice"})
	alice.waitFor(map[string]any{"type": "joined", "user": "alice"}, 1)
	bob.send(map[string]any{"type": "join", "room": "r", "user": "bob"})
	bob.waitFor(map[string]any{"type": "joined", "user": "bob"}, 1)
	alice.waitFor(map[string]any{"type": "joined", "user": "bob"}, 1)

	alice.send(map[string]any{"type": "say", "room": "r", "from": "alice", "text": "hi"})
	bob.waitFor(map[string]any{"type": "said", "from": "alice", "text": "hi"}, 1)
	alice.waitFor(map[string]any{"type": "said", "from": "alice", "text": "hi"}, 1)
	bob.send(map[string]any{"type": "say", "room": "r", "from": "bob", "text": "yo"})
	alice.waitFor(map[string]any{"type": "said", "from": "bob", "text": "yo"}, 1)
	bob.waitFor(map[string]any{"type": "said", "from": "bob", "text": "yo"}, 1)

	bob.send(map[string]any{"type": "leave", "room": "r", "user": "bob"})
	alice.waitFor(map[string]any{"type": "left", "user": "bob"}, 1)
	bob.waitFor(map[string]any{"type": "left", "user": "bob"}, 1)
	alice.send(map[string]any{"type": "say", "room": "r", "from": "alice", "text": "gone?"})
	alice.waitFor(map[string]any{"type": "said", "text": "gone?"}, 1)
	// Bob is out of the room on his backend, but alice's mirror there is
	// in: the app lets a non-member speak, and the mirror relays it home.
	bob.send(map[string]any{"type": "say", "room": "r", "from": "bob", "text": "after"})
	alice.waitFor(map[string]any{"type": "said", "text": "after"}, 1)
	if got := bob.count(map[string]any{"type": "said", "text": "gone?"}); got != 0 {
		t.Fatalf("bob got %d messages after leaving", got)
	}
	if st := a.cl.Stats(); st.BarrierTimeouts != 0 {
		t.Fatalf("barrier timeouts with healthy peers: %+v", st)
	}
}
