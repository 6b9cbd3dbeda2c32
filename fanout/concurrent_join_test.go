package fanout

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/siotest"
	"github.com/sidecast/sidecast/proxy"
)

// concurrentJoinTrials is how many pairs of joins each run plays.
const concurrentJoinTrials = 100

// presenceConfig is what an operator sets for internal/siotest/presence.
func presenceConfig() ClusterConfig {
	return ClusterConfig{
		MirrorEvents: []string{"join", "leave"}, ReplyEvents: []string{"room joined"},
		LocalEvents:    []EventMatch{{Name: "user joined"}, {Name: "user left"}, {Name: "room joined"}},
		BarrierTimeout: 3 * time.Second, ReleaseGrace: 20 * time.Millisecond, Logger: testLogger(nil),
	}
}

// TestConcurrentJoinsOneOrder: two clients on different nodes join one room
// 0 to 50 ms apart, against a server that tells a room's existing members
// "X joined" and counts members in memory (real socket.io and
// socket.io-client, a real redis-server). One node sends exactly one
// notice, to whoever joined first, and counts 1 then 2; so must 2 and 3
// nodes, in every trial: every backend applies the two joins in one order.
func TestConcurrentJoinsOneOrder(t *testing.T) {
	var n *network
	for _, nw := range networks(t) {
		if nw.server != nil {
			n = nw
		}
	}
	for _, nodes := range []int{1, 2, 3} {
		t.Run(strconv.Itoa(nodes)+"-nodes", func(t *testing.T) {
			var cluster []*testNode
			for i := range nodes {
				backend := siotest.StartServerIn(t, siotest.PresenceDir)
				u, _ := url.Parse(backend.URL)
				cluster = append(cluster, startNodeOn(t, n, "n"+strconv.Itoa(i)+"-"+strconv.Itoa(nodes), u, proxy.ProtocolSocketIO, presenceConfig()))
			}
			waitPeers(t, cluster...)
			peer := siotest.StartPeer(t)
			firstNotified := 0
			for k := range concurrentJoinTrials {
				offset := time.Duration(k) * 50 * time.Millisecond / (concurrentJoinTrials - 1)
				got := joinPair(t, peer, cluster[0], cluster[min(1, nodes-1)], k, offset)
				if got.notices != 1 || !slices.Equal(got.counts, []int{1, 2}) {
					t.Fatalf("trial %d (second join %v after the first): %d \"user joined\" notices (x got %d, y got %d), member counts %v; one node sends exactly 1 and counts [1 2]",
						k, offset, got.notices, got.x, got.y, got.counts)
				}
				if got.firstNotified {
					firstNotified++
				}
			}
			t.Logf("%d nodes: %d trials, each with exactly one notice; it went to the client whose home backend counted 1 in %d", nodes, concurrentJoinTrials, firstNotified)
			if firstNotified != concurrentJoinTrials {
				t.Fatalf("the notice went to the first joiner (member count 1) in %d of %d trials", firstNotified, concurrentJoinTrials)
			}
		})
	}
}

// pairOutcome is what one trial's two clients saw.
type pairOutcome struct {
	notices, x, y int
	counts        []int // the members each client's home backend reported, sorted
	firstNotified bool  // the notice went to the client counted first
}

// joinPair connects x (node nx) and y (node ny), has x join room k and y
// join it offset later, and counts what they got once both were answered
// and two rounds of acked markers through each home backend prove that
// nothing sent before them is still on its way.
func joinPair(t *testing.T, peer *siotest.Peer, nx, ny *testNode, k int, offset time.Duration) pairOutcome {
	t.Helper()
	x, y, room := fmt.Sprintf("x%d", k), fmt.Sprintf("y%d", k), fmt.Sprintf("room%d", k)
	peer.MustConnect(t, siotest.Conn{Name: x, URL: nx.front.URL, Auth: map[string]string{"userId": x}, Transports: []string{"websocket"}})
	peer.MustConnect(t, siotest.Conn{Name: y, URL: ny.front.URL, Auth: map[string]string{"userId": y}, Transports: []string{"websocket"}})
	peer.Emit(t, x, "join", map[string]string{"room": room})
	time.Sleep(offset) // the trial's offset between the two joins, not a wait for a condition
	peer.Emit(t, y, "join", map[string]string{"room": room})
	var out pairOutcome
	var cx, cy struct{ Members int }
	peer.WaitEvent(t, x, "room joined").Arg(t, 0, &cx)
	peer.WaitEvent(t, y, "room joined").Arg(t, 0, &cy)
	for range 2 {
		peer.EmitWithAck(t, y, "sync")
		peer.EmitWithAck(t, x, "sync")
	}
	out.x, out.y = peer.Count(x, "event", "user joined"), peer.Count(y, "event", "user joined")
	out.notices = out.x + out.y
	out.counts = []int{cx.Members, cy.Members}
	slices.Sort(out.counts)
	out.firstNotified = (out.x == 1 && cx.Members == 1) || (out.y == 1 && cy.Members == 1)
	peer.Disconnect(t, x)
	peer.Disconnect(t, y)
	peer.Wait(t, x, "disconnect", "")
	peer.Wait(t, y, "disconnect", "")
	return out
}
