package fanout

import (
	"net/url"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/siotest"
	"github.com/sidecast/sidecast/proxy"
)

// TestMirrorGateOpensOnAck: a membership event that asks for an ack is
// handled when the mirror's backend acks it, so the barrier does not wait
// for MirrorSettle. The settle time here is far longer than the join may
// take; without the ack the join would wait for it.
func TestMirrorGateOpensOnAck(t *testing.T) {
	const settle = 4 * time.Second
	n := networks(t)[0]
	start := func(id string) *testNode {
		backend := siotest.StartServer(t)
		u, _ := url.Parse(backend.URL)
		cfg := sioClusterConfig()
		cfg.MirrorSettle, cfg.BarrierTimeout = settle, 3*settle
		return startNodeOn(t, n, id, u, proxy.ProtocolSocketIO, cfg)
	}
	a, b := start("a"), start("b")
	waitPeers(t, a, b)
	peer := siotest.StartPeer(t)
	peer.MustConnect(t, siotest.Conn{Name: "alice", URL: a.front.URL, Auth: map[string]string{"userId": "alice"}})
	peer.MustConnect(t, siotest.Conn{Name: "bob", URL: b.front.URL, Auth: map[string]string{"userId": "bob"}})
	peer.WaitEvent(t, "alice", "welcome")
	peer.WaitEvent(t, "bob", "welcome")

	for _, who := range []string{"alice", "bob"} {
		began := time.Now()
		peer.EmitWithAck(t, who, "join_twin_room", map[string]string{"twinPairId": "p"})
		took := time.Since(began)
		t.Logf("%s joined in %v (MirrorSettle %v)", who, took, settle)
		if took >= settle/2 {
			t.Fatalf("%s's join took %v: the barrier waited for MirrorSettle instead of the mirror's ack", who, took)
		}
	}
	// The ack proved the join was handled: a message right behind it
	// reaches the partner on the other node.
	peer.EmitWithAck(t, "alice", "send_message", map[string]string{"twinPairId": "p", "text": "hi bob"})
	peer.WaitEvent(t, "bob", "new_message")
	for _, tn := range []*testNode{a, b} {
		if st := tn.cl.Stats(); st.BarrierTimeouts != 0 {
			t.Fatalf("node %s: %d barrier timeouts", tn.id, st.BarrierTimeouts)
		}
	}
}
