package fanout

import (
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
)

// TestRelayedFramesKeepArrivalOrder: while frames relayed from another node
// wait for a session — behind its join's barrier, or for the home
// backend's awaited answer — a later frame from the home backend that is
// not that answer must not overtake them. Bob (home b) joins; alice (home
// a) says "one", which reaches bob's home and waits; then carol (home b)
// shouts "two" through bob's own backend. One node delivers them in that
// order; so must the cluster.
func TestRelayedFramesKeepArrivalOrder(t *testing.T) {
	cases := []struct {
		name   string
		settle time.Duration // widens the barrier
		reply  string        // MIRROR_EVENT_REPLY, and the server's delayed join answer
	}{
		{name: "behind the barrier", settle: 400 * time.Millisecond},
		{name: "awaiting the answer", settle: 5 * time.Millisecond, reply: "room_ready"},
	}
	for _, n := range networks(t) {
		for _, tc := range cases {
			t.Run(n.name+"/"+tc.name, func(t *testing.T) {
				cfg := ClusterConfig{
					MirrorEvents: []string{"join", "leave"}, BarrierTimeout: 3 * time.Second,
					ReplyTimeout: 3 * time.Second, MirrorSettle: tc.settle,
					ReleaseGrace: 20 * time.Millisecond, Logger: testLogger(nil),
				}
				if tc.reply != "" {
					cfg.ReplyEvents = []string{tc.reply}
				}
				joined := make(chan string, 16)
				srvA := &silentRoom{onJoin: func(user, _ string) { joined <- user }}
				srvB := &silentRoom{joinReply: tc.reply, replyDelay: 600 * time.Millisecond}
				a := startSilentNode(t, n, "a", cfg, srvA)
				b := startSilentNode(t, n, "b", cfg, srvB)
				waitPeers(t, a, b)
				alice, carol := dialChat(t, a, "alice"), dialChat(t, b, "carol")
				alice.send(map[string]any{"type": "join", "room": "r"})
				waitJoin(t, joined, "alice")
				testkit.WaitUntil(t, 10*time.Second, "alice's join is through", func() bool { return a.cl.openBarriers() == 0 })
				bob := dialChat(t, b, "bob")
				bob.send(map[string]any{"type": "join", "room": "r"})
				waitJoin(t, joined, "bob")
				if tc.reply != "" {
					// The barrier is over once bob's join reached his own backend.
					testkit.WaitUntil(t, 10*time.Second, "bob's home awaits the answer", func() bool { return b.cl.awaiting() })
				}
				alice.send(map[string]any{"type": "say", "room": "r", "text": "one"})
				testkit.WaitUntil(t, 10*time.Second, "alice's frame waits at bob's home", func() bool { return b.cl.heldOutFrames() > 0 })
				carol.send(map[string]any{"type": "shout", "text": "two"})
				bob.waitFor(map[string]any{"type": "said", "text": "two"}, 1)
				bob.waitFor(map[string]any{"type": "said", "text": "one"}, 1)
				if one, two := bob.arrivalOf(t, "one"), bob.arrivalOf(t, "two"); two.Before(one) {
					t.Fatalf("bob got carol's later \"two\" from his own backend %v before alice's earlier \"one\"", one.Sub(two))
				}
			})
		}
	}
}
