package fanout

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
)

// TestCoalescerLeavesWhenIdle: with a coalescing window far longer than a
// message may take, a broadcast to several mirrors of one home still leaves
// as one bus message, as soon as the node has read every copy, not when
// the window ends.
func TestCoalescerLeavesWhenIdle(t *testing.T) {
	const members, msgs, window = 4, 40, 3 * time.Second
	for _, n := range networks(t) {
		t.Run(n.name, func(t *testing.T) {
			a, alice, bobs := broadcastRoom(t, n, window, members)
			before := a.cl.Stats()
			sent := make([]time.Time, msgs)
			tick := time.NewTicker(5 * time.Millisecond)
			for i := range msgs {
				<-tick.C
				sent[i] = time.Now()
				alice.send(map[string]any{"type": "say", "room": "r", "text": strconv.Itoa(i)})
			}
			tick.Stop()
			var all []time.Duration
			for _, c := range bobs {
				testkit.WaitUntil(t, 10*time.Second, c.name+" receives every message", func() bool {
					return c.count(map[string]any{"type": "said", "from": "alice"}) >= msgs
				})
				all = append(all, c.latencies(t, sent)...)
			}
			slices.Sort(all)
			after := a.cl.Stats()
			relayed, coalesced := after.Relayed-before.Relayed, after.Coalesced-before.Coalesced
			t.Logf("window %v: %d copies, latency p50 %v max %v; %d relayed, %d of them coalesced",
				window, len(all), all[len(all)/2], all[len(all)-1], relayed, coalesced)
			if maxLat := all[len(all)-1]; maxLat >= window/3 {
				t.Fatalf("a copy took %v: frames waited for the coalescing window (%v)", maxLat, window)
			}
			if coalesced < relayed/3 {
				t.Fatalf("%d of %d relayed frames coalesced: a broadcast to %d mirrors of one home left as separate messages",
					coalesced, relayed, members)
			}
		})
	}
}
