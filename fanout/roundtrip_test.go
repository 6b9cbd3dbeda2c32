package fanout

import (
	"sync"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
)

// roundTrips records what a bus reports to BusConfig.OnRoundTrip.
type roundTrips struct {
	mu  sync.Mutex
	ops map[string][]time.Duration
}

func (r *roundTrips) observe(op string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ops == nil {
		r.ops = make(map[string][]time.Duration)
	}
	r.ops[op] = append(r.ops[op], d)
}

func (r *roundTrips) count(op string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ops[op])
}

// TestOnRoundTrip: both buses report self-check round trips, the Redis bus
// also its publish pipelines, every duration positive and below the
// self-check timeout.
func TestOnRoundTrip(t *testing.T) {
	for _, n := range networks(t) {
		t.Run(n.name, func(t *testing.T) {
			var rt roundTrips
			cfg := fastConfig("node-rt")
			cfg.OnRoundTrip = rt.observe
			b := n.bus(t, cfg)
			testkit.WaitUntil(t, 10*time.Second, "self-check round trips", func() bool { return rt.count("selfcheck") >= 3 })
			if n.server != nil {
				if err := b.Publish(NodeChannel("elsewhere"), encode(t, b, KindFrame, "s1", 1, "x")); err != nil {
					t.Fatal(err)
				}
				testkit.WaitUntil(t, 10*time.Second, "a publish round trip", func() bool { return rt.count("publish") >= 1 })
			}
			rt.mu.Lock()
			defer rt.mu.Unlock()
			for op, ds := range rt.ops {
				for _, d := range ds {
					if d <= 0 || d > cfg.SelfCheckTimeout {
						t.Fatalf("%s round trip %v", op, d)
					}
				}
			}
			t.Logf("%s: %d selfcheck, %d publish round trips", n.name, len(rt.ops["selfcheck"]), len(rt.ops["publish"]))
		})
	}
}
