package e2e

import (
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// Ceilings of the stall test over the pre-stall baseline; generous, the
// measured values are logged.
const (
	stallGoroutinesMax = 50
	stallRSSMax        = 64 << 20
)

// TestRedisNetworkStall stalls the network between two binaries and Redis
// (a TCP proxy that stops forwarding) while clients on both nodes chat:
// goroutines and resident memory stay bounded, local delivery goes on,
// health turns degraded, and cross-node delivery resumes after the stall.
func TestRedisNetworkStall(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	px := redistest.NewProxy(t, rs.Addr())
	nodes := startPair(t, "redis://"+px.Addr(), map[string]string{"REDIS_REQUESTS_TIMEOUT": "500"})
	a, b := nodes[0], nodes[1]
	atCarol, atDave, sa, sb := startSteadyChat(t, a, b, "stall")
	base := [2]nodeUsage{readUsage(t, a), readUsage(t, b)}
	peak := base

	px.Pause()
	stalled := time.Now()
	sample := func() {
		for i, n := range nodes {
			peak[i] = peak[i].max(readUsage(t, n))
		}
	}
	for _, n := range nodes {
		testkit.WaitUntil(t, procWait, n.id+" health to say degraded", func() bool {
			sample()
			h, _ := getHealth(n.base)
			return h["status"] == "degraded"
		})
	}
	testkit.WaitUntil(t, procWait, "3 s of local delivery while stalled", func() bool {
		sample()
		return countSince(atCarol.arrivals("alice"), sa.sentTimes(), stalled) >= 150 &&
			countSince(atDave.arrivals("bob"), sb.sentTimes(), stalled) >= 150
	})
	px.Resume()
	back := time.Now()
	t.Logf("stalled for %s", back.Sub(stalled))
	resumeAB, resumeBA := waitCrossNodeResume(t, atCarol, atDave, sa, sb, back)
	t.Logf("cross-node delivery resumed %s (a→b) and %s (b→a) after the stall", resumeAB, resumeBA)
	for _, n := range nodes {
		testkit.WaitUntil(t, procWait, n.id+" health ok again", func() bool {
			h, _ := getHealth(n.base)
			return h["status"] == "ok" && h["redis"] == true
		})
	}
	sentA, sentB := sa.halt(t), sb.halt(t)
	checkLocalNeverStopped(t, "carol", atCarol, "alice", len(sentA))
	checkLocalNeverStopped(t, "dave", atDave, "bob", len(sentB))
	for i, n := range nodes {
		t.Logf("%s: goroutines %v → peak %v; RSS %.1f → peak %.1f MiB", n.id,
			base[i].goroutines, peak[i].goroutines, base[i].rss/(1<<20), peak[i].rss/(1<<20))
		if peak[i].goroutines > base[i].goroutines+stallGoroutinesMax {
			t.Errorf("%s: goroutines grew from %v to %v while stalled", n.id, base[i].goroutines, peak[i].goroutines)
		}
		if peak[i].rss > base[i].rss+stallRSSMax {
			t.Errorf("%s: RSS grew from %.0f to %.0f bytes while stalled", n.id, base[i].rss, peak[i].rss)
		}
	}
}

// nodeUsage is what a node's /metrics says about its goroutines and memory.
type nodeUsage struct{ goroutines, rss float64 }

func (u nodeUsage) max(v nodeUsage) nodeUsage {
	return nodeUsage{max(u.goroutines, v.goroutines), max(u.rss, v.rss)}
}

func readUsage(t *testing.T, n *pairNode) nodeUsage {
	t.Helper()
	m := scrape(t, n.ops)
	return nodeUsage{sample(t, m, "go_goroutines"), sample(t, m, "process_resident_memory_bytes")}
}
