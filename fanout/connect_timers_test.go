package fanout

import (
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/siotest"
	"github.com/sidecast/sidecast/proxy"
)

// TestConnectWaitsOnNoTimer: a Socket.IO client's connect and acked join
// (what examples/loadtest times as connect+join) end on events only — the
// peers' dial, their backends' CONNECT answer and join ack, the members
// channel bringing each packet back — never on a timer. Every timer that
// could stand in for one of those events (MirrorSettle, ReplyTimeout,
// CoalesceWindow) is set far longer than a connect may take here; a
// connect+join that waited for one of them would take at least that long.
// docs/mirrors.md, What a connect costs, has the measured stages.
func TestConnectWaitsOnNoTimer(t *testing.T) {
	const (
		timer   = 3 * time.Second
		clients = 6
	)
	for _, n := range networks(t) {
		t.Run(n.name, func(t *testing.T) {
			start := func(id string) *testNode {
				backend := siotest.StartServer(t)
				u, _ := url.Parse(backend.URL)
				cfg := sioClusterConfig()
				cfg.MirrorSettle, cfg.ReplyTimeout, cfg.CoalesceWindow = timer, timer, timer
				cfg.BarrierTimeout = 3 * timer
				return startNodeOn(t, n, id, u, proxy.ProtocolSocketIO, cfg)
			}
			nodes := []*testNode{start("a"), start("b")}
			waitPeers(t, nodes...)
			peer := siotest.StartPeer(t)
			var longest time.Duration
			for i := range clients {
				name := "c" + strconv.Itoa(i)
				began := time.Now()
				peer.MustConnect(t, siotest.Conn{Name: name, URL: nodes[i%2].front.URL,
					Auth: map[string]string{"userId": name}, Transports: []string{"websocket"}})
				peer.EmitWithAck(t, name, "join_twin_room", map[string]string{"twinPairId": name})
				took := time.Since(began)
				longest = max(longest, took)
				if took >= timer/2 {
					t.Fatalf("%s: connect+join took %v: some step waited for a timer (%v) instead of an event", name, took, timer)
				}
			}
			t.Logf("%d connect+joins over 2 nodes, longest %v (every timer %v)", clients, longest, timer)
			for _, tn := range nodes {
				st := tn.cl.Stats()
				if st.BarrierTimeouts+st.ReplyTimeouts+st.SettledUnconfirmed+st.MirrorAckTimeouts+st.OwnCopyTimeouts != 0 {
					t.Fatalf("node %s: a timer ended a step: %+v", tn.id, st)
				}
			}
		})
	}
}
