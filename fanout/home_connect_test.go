package fanout

import (
	"slices"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
)

// TestConnectGoesToPeersDuringHandshakeBarrier: a client's CONNECT reaches
// the peers while their mirror is still being dialed (the handshake not yet
// acked), so a connect costs one round trip to the peers; the peer's ack of
// the CONNECT alone releases it at home, and nothing goes home before it.
func TestConnectGoesToPeersDuringHandshakeBarrier(t *testing.T) {
	c, peer := barrierRig(t, 5*time.Second) // the peer acks nothing by itself
	cs, home := openHome(c)
	if err := cs.FromClient(unitOf(`40{"userId":"a"}`)); err != nil {
		t.Fatal(err)
	}
	testkit.WaitUntil(t, 2*time.Second, "the CONNECT reaches the peer before the handshake's ack", func() bool {
		peer.mu.Lock()
		defer peer.mu.Unlock()
		return slices.Contains(peer.kinds, KindConnect)
	})
	if got := home.written(); len(got) != 0 {
		t.Fatalf("home backend got %q before the peer acked", got)
	}
	ack := Envelope{Kind: KindBarrierAck, Sender: []byte("b"), Epoch: peer.bus.Epoch(), Session: sessionOf(t, cs), Seq: 2}
	b, err := ack.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := peer.bus.Publish(NodeChannel("a"), b); err != nil {
		t.Fatal(err)
	}
	testkit.WaitUntil(t, 2*time.Second, "the CONNECT goes home at the peer's ack of it", func() bool { return len(home.written()) == 1 })
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
