package fanout

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// clusterSample is the cluster's counters summed over a counted run.
type clusterSample struct {
	calls              map[string]int64
	perMaster          map[string]int64 // SPUBLISH calls by master address
	masterIn, replIn   int64            // network bytes in: masters, replicas
	masterOut, replOut int64
	busSent            map[string]int64 // cluster bus messages sent, by type
	took               time.Duration
}

// sampleCluster resets the counters, runs fn and reads them back.
func sampleCluster(ctx context.Context, t *testing.T, rc *redistest.Cluster, fn func()) clusterSample {
	t.Helper()
	before, err := rc.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.ResetStats(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	fn()
	s := clusterSample{calls: map[string]int64{}, perMaster: map[string]int64{}, busSent: map[string]int64{}, took: time.Since(start)}
	stats, err := rc.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range stats {
		for typ, n := range st.BusSent {
			s.busSent[typ] += n - before[i].BusSent[typ]
		}
		for cmd, n := range st.Calls {
			s.calls[cmd] += n
		}
		if st.Master {
			s.perMaster[st.Addr] = st.Calls["spublish"]
			s.masterIn, s.masterOut = s.masterIn+st.NetIn, s.masterOut+st.NetOut
		} else {
			s.replIn, s.replOut = s.replIn+st.NetIn, s.replOut+st.NetOut
		}
	}
	return s
}

// minus removes a background sample scaled to s's duration (heartbeats and
// polls run whatever the traffic).
func (s clusterSample) minus(bg clusterSample) clusterSample {
	k := float64(s.took) / float64(bg.took)
	out := s
	out.calls, out.busSent = map[string]int64{}, map[string]int64{}
	for cmd, n := range s.calls {
		out.calls[cmd] = max(0, n-int64(float64(bg.calls[cmd])*k+0.5))
	}
	for typ, n := range s.busSent {
		out.busSent[typ] = max(0, n-int64(float64(bg.busSent[typ])*k+0.5))
	}
	out.masterIn -= int64(float64(bg.masterIn) * k)
	out.masterOut -= int64(float64(bg.masterOut) * k)
	out.replIn -= int64(float64(bg.replIn) * k)
	out.replOut -= int64(float64(bg.replOut) * k)
	return out
}

func (s clusterSample) String() string {
	var cmds []string
	for cmd, n := range s.calls {
		if n > 0 && !strings.HasPrefix(cmd, "config") && !strings.HasPrefix(cmd, "info") && !strings.HasPrefix(cmd, "cluster|nodes") {
			cmds = append(cmds, fmt.Sprintf("%s=%d", cmd, n))
		}
	}
	sort.Strings(cmds)
	return fmt.Sprintf("commands %v; bytes in/out masters %d/%d, replicas %d/%d; SPUBLISH per master %v; cluster bus publishshard %d, publish %d",
		cmds, s.masterIn, s.masterOut, s.replIn, s.replOut, s.perMaster, s.busSent["publishshard"], s.busSent["publish"])
}

// testClusterCost measures what the cluster does per relayed message and
// per session, for the README: three nodes, a room of three, self-checks
// off so that only heartbeats run in the background (measured on an idle
// window and subtracted).
func testClusterCost(ctx context.Context, t *testing.T, rc *redistest.Cluster) {
	n := clusterNetwork(t, rc, "cost")
	quiet := func(bc *BusConfig) { bc.SelfCheckInterval = -1 }
	nodes := []*testNode{
		startWSNodeWith(t, n, "a", wsClusterConfig(), quiet),
		startWSNodeWith(t, n, "b", wsClusterConfig(), quiet),
		startWSNodeWith(t, n, "c", wsClusterConfig(), quiet),
	}
	waitPeers(t, nodes...)
	clients := []*chatClient{dialChat(t, nodes[0], "alice"), dialChat(t, nodes[1], "bob"), dialChat(t, nodes[2], "carol")}
	for _, c := range clients {
		c.send(map[string]any{"type": "join", "room": "r"})
		c.waitFor(map[string]any{"type": "joined", "user": c.name}, 1)
	}
	clients[0].waitFor(map[string]any{"type": "joined", "user": "carol"}, 1)

	bg := sampleCluster(ctx, t, rc, func() { time.Sleep(2 * time.Second) }) // an idle window: nothing to wait for
	t.Logf("background over %v (heartbeats, polls): %v", bg.took, bg)

	const msgs = 300
	run := sampleCluster(ctx, t, rc, func() {
		for i := 0; i < msgs; i++ {
			clients[0].send(map[string]any{"type": "say", "room": "r", "text": "c" + strconv.Itoa(i)})
		}
		for _, c := range clients[1:] {
			c.waitFor(map[string]any{"type": "said", "text": "c" + strconv.Itoa(msgs-1)}, 1)
		}
	}).minus(bg)
	relayed := int64(msgs * 2) // each message reaches two clients on other nodes
	t.Logf("%d messages to a room of 3 on 3 nodes (%d relayed deliveries) in %v: %v", msgs, relayed, run.took, run)
	t.Logf("per relayed delivery: %.2f SPUBLISH, %.0f bytes into masters, %.0f bytes out of masters (subscribers and replicas)",
		float64(run.calls["spublish"])/float64(relayed), float64(run.masterIn)/float64(relayed), float64(run.masterOut)/float64(relayed))
	if got := run.calls["spublish"]; got < relayed || got > relayed+relayed/10 {
		t.Errorf("SPUBLISH calls %d for %d relayed deliveries", got, relayed)
	}

	session := sampleCluster(ctx, t, rc, func() {
		dave := dialChat(t, nodes[0], "dave")
		dave.send(map[string]any{"type": "join", "room": "r"})
		dave.waitFor(map[string]any{"type": "joined", "user": "dave"}, 1)
		testkit.WaitUntil(t, 10*time.Second, "dave's mirrors open", func() bool {
			return nodes[1].cl.Stats().Mirrors == 3 && nodes[2].cl.Stats().Mirrors == 3
		})
		_ = dave.conn.Close()
		testkit.WaitUntil(t, 10*time.Second, "dave's mirrors close", func() bool {
			return nodes[1].cl.Stats().Mirrors == 2 && nodes[2].cl.Stats().Mirrors == 2
		})
	}).minus(bg)
	t.Logf("one session (connect, join, close) on a 3-node cluster: %v", session)
}
