package fanout

import (
	"slices"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
)

// TestConnectGoesToPeersDuringHandshakeBarrier: a client's CONNECT reaches
// the peers while their mirror is still being dialed (the handshake not yet
// acked), so a connect costs one round trip to the peers; the CONNECT goes
// to the home backend in the members channel's order, and what follows only
// at the peer's ack of the CONNECT alone.
func TestConnectGoesToPeersDuringHandshakeBarrier(t *testing.T) {
	c, peer := barrierRig(t, 5*time.Second) // the peer acks nothing by itself
	cs, home := openHome(c)
	if err := cs.FromClient(unitOf(`40{"userId":"a"}`)); err != nil {
		t.Fatal(err)
	}
	_ = cs.FromClient(unitOf(`42["send_message",{}]`))
	testkit.WaitUntil(t, 2*time.Second, "the CONNECT reaches the peer before the handshake's ack", func() bool {
		peer.mu.Lock()
		defer peer.mu.Unlock()
		return slices.Contains(peer.kinds, KindConnect)
	})
	testkit.WaitUntil(t, 2*time.Second, "the CONNECT goes home in the channel's order", func() bool { return len(home.written()) == 1 })
	if got := home.written(); len(got) != 1 || got[0] != `40{"userId":"a"}` {
		t.Fatalf("home backend got %q before the peer acked, want the CONNECT alone", got)
	}
	ack := Envelope{Kind: KindBarrierAck, Sender: []byte("b"), Epoch: peer.bus.Epoch(), Session: sessionOf(t, cs), Seq: 2}
	b, err := ack.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := peer.bus.Publish(NodeChannel("a"), b); err != nil {
		t.Fatal(err)
	}
	testkit.WaitUntil(t, 2*time.Second, "what follows the CONNECT goes home at the peer's ack of it", func() bool { return len(home.written()) == 2 })
	if st := c.Stats(); st.BarrierTimeouts != 0 {
		t.Fatalf("%d barrier timeouts", st.BarrierTimeouts)
	}
	cs.Closed(func() {})
}

func sessionOf(t *testing.T, cs any) []byte {
	t.Helper()
	h, ok := cs.(*homeSession)
	if !ok {
		t.Fatalf("%T is not a home session", cs)
	}
	return h.id
}
