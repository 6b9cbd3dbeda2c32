package fanout

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/siotest"
	"github.com/sidecast/sidecast/proxy"
)

// sioClusterConfig is examples/socketio-chat's configuration.
func sioClusterConfig() ClusterConfig {
	return ClusterConfig{
		MirrorEvents:   []string{"join_twin_room", "leave_twin_room"},
		LocalEvents:    []EventMatch{{Name: "welcome"}, {Name: "room_joined"}, {Name: "twin_online"}, {Name: "twin_offline"}},
		BarrierTimeout: 3 * time.Second, ReleaseGrace: 20 * time.Millisecond, Logger: testLogger(nil),
	}
}

func startSIONode(t *testing.T, n *network, id string) *testNode {
	t.Helper()
	backend := siotest.StartServer(t)
	u, _ := url.Parse(backend.URL)
	tn := startNodeOn(t, n, id, u, proxy.ProtocolSocketIO, sioClusterConfig())
	tn.backendURL = backend.URL
	return tn
}

// TestClusterSocketIO: the real socket.io server and client, a twin pair
// split over two nodes: each message reaches both exactly once, an ack a
// backend asks from a client on another node comes back, and leaving stops
// delivery.
func TestClusterSocketIO(t *testing.T) {
	for _, n := range networks(t) {
		t.Run(n.name, func(t *testing.T) {
			a, b := startSIONode(t, n, "a"), startSIONode(t, n, "b")
			waitPeers(t, a, b)
			peer := siotest.StartPeer(t)
			peer.MustConnect(t, siotest.Conn{Name: "alice", URL: a.front.URL, Auth: map[string]string{"userId": "alice"}})
			peer.MustConnect(t, siotest.Conn{Name: "bob", URL: b.front.URL, Auth: map[string]string{"userId": "bob"}})
			peer.WaitEvent(t, "alice", "welcome")
			peer.WaitEvent(t, "bob", "welcome")
			peer.EmitWithAck(t, "alice", "join_twin_room", map[string]string{"twinPairId": "p"})
			peer.WaitEvent(t, "alice", "room_joined")
			peer.EmitWithAck(t, "bob", "join_twin_room", map[string]string{"twinPairId": "p"})
			peer.WaitEvent(t, "bob", "room_joined")
			peer.WaitEvent(t, "alice", "twin_online")

			peer.EmitWithAck(t, "alice", "send_message", map[string]string{"twinPairId": "p", "text": "hi bob"})
			peer.EmitWithAck(t, "bob", "send_message", map[string]string{"twinPairId": "p", "text": "hi alice"})
			for _, who := range []string{"alice", "bob"} {
				peer.WaitEvent(t, who, "new_message")
				peer.WaitEvent(t, who, "new_message")
			}

			// Backend b asks alice (home a) for an ack; her answer must reach it.
			resp, err := http.Post(b.backendURL+"/users/alice/ping_check", "application/json", strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("ping_check through a mirror: %d %s", resp.StatusCode, body)
			}
			peer.WaitEvent(t, "alice", "ping_check")

			peer.EmitWithAck(t, "bob", "leave_twin_room", map[string]string{"twinPairId": "p"})
			peer.WaitEvent(t, "alice", "twin_offline")
			peer.EmitWithAck(t, "alice", "send_message", map[string]string{"twinPairId": "p", "text": "gone"})
			peer.WaitEvent(t, "alice", "new_message")
			// bob is out of the room: a marker through his own home proves
			// nothing else was on its way.
			peer.EmitWithAck(t, "bob", "online_users")
			for _, who := range []string{"alice", "bob"} {
				if extra := peer.Count(who, "event", "new_message"); extra != 0 {
					t.Fatalf("%s got %d extra new_message events", who, extra)
				}
				if dup := peer.Count(who, "event", "welcome") + peer.Count(who, "event", "room_joined"); dup != 0 {
					t.Fatalf("%s got an echo event twice", who)
				}
			}
			if st := a.cl.Stats(); st.BarrierTimeouts != 0 || st.Relayed == 0 {
				t.Fatalf("node a stats: %+v", st)
			}
		})
	}
}
