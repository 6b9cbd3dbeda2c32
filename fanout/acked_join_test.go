package fanout

import (
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/siotest"
	"github.com/sidecast/sidecast/proxy"
)

// ackedJoinTrials is how many joins TestAckedJoinWaitsForMirrorBackend plays.
const ackedJoinTrials = 10

// TestAckedJoinWaitsForMirrorBackend forces the churn soak's lost
// messages: a join written to a mirror whose backend handles it later than
// MIRROR_SETTLE (here: a proxy delivers what mirrors send to backend a
// 200 ms late, as a loaded backend handles it late). R (home b) joins with
// an ack; once R has the ack, S (home a, in the room) says something
// through backend a. On one node R hears it: the ack came after the join.
// Through sidecast R hears it only if R's mirror on backend a had joined
// before the message was handled: R's ack must not come before every
// backend handled the join — the barrier waits for the mirror backend's
// ack of the replayed join, the proof it was handled, and the home
// backend's reply waits for the barrier.
func TestAckedJoinWaitsForMirrorBackend(t *testing.T) {
	const delay = 200 * time.Millisecond
	for _, n := range networks(t) {
		t.Run(n.name, func(t *testing.T) {
			var nodes []*testNode
			for i, id := range []string{"a", "b"} {
				backend := siotest.StartServerIn(t, siotest.PresenceDir)
				u, _ := url.Parse(backend.URL)
				if i == 0 {
					u.Host = startSlowMirrors(t, u.Host, delay).addr()
				}
				nodes = append(nodes, startNodeOn(t, n, id, u, proxy.ProtocolSocketIO, presenceConfig()))
			}
			waitPeers(t, nodes...)
			peer := siotest.StartPeer(t)
			lost := 0
			var joinTook time.Duration
			for k := range ackedJoinTrials {
				s, r, room := "s"+strconv.Itoa(k), "r"+strconv.Itoa(k), "slow"+strconv.Itoa(k)
				peer.MustConnect(t, siotest.Conn{Name: s, URL: nodes[0].front.URL, Auth: map[string]string{"userId": s}, Transports: []string{"websocket"}})
				peer.MustConnect(t, siotest.Conn{Name: r, URL: nodes[1].front.URL, Auth: map[string]string{"userId": r}, Transports: []string{"websocket"}})
				peer.EmitWithAck(t, s, "join", map[string]string{"room": room})
				start := time.Now()
				peer.EmitWithAck(t, r, "join", map[string]string{"room": room})
				joinTook = max(joinTook, time.Since(start))
				peer.Emit(t, s, "say", map[string]string{"room": room, "text": "hello " + r})
				peer.WaitEvent(t, s, "said")
				if !heard(peer, r, 3*time.Second) {
					lost++
				}
				peer.Disconnect(t, s)
				peer.Disconnect(t, r)
				peer.Wait(t, s, "disconnect", "")
				peer.Wait(t, r, "disconnect", "")
			}
			t.Logf("%s: %d joins whose mirror's backend got them %v late: %d messages lost; longest join %v",
				n.name, ackedJoinTrials, delay, lost, joinTook)
			if lost != 0 {
				t.Fatalf("%d of %d messages said after the receiver's join was acked never reached it", lost, ackedJoinTrials)
			}
		})
	}
}

// heard reports whether name got a "said" event within d.
func heard(peer *siotest.Peer, name string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if peer.Count(name, "event", "said") > 0 {
			return true
		}
		time.Sleep(5 * time.Millisecond) // polling a condition with a deadline
	}
	return false
}
