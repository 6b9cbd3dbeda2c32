package e2e

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/difftest"
	"github.com/sidecast/sidecast/internal/redistest"
)

// clusterScenarios are the differential suite's core scenarios that also
// run over a Redis Cluster: every broadcast style of docs/design.md, Contract, across three
// nodes, Socket.IO and WebSocket.
var clusterScenarios = []string{
	"three_member_room", "typing_all_but_sender", "direct_message_per_user_room",
	"global_announce_once", "http_broadcast_other_nodes", "binary_photo",
	"server_ack_from_other_node", "hundred_per_sender_in_order", "ws_room",
	"reconnect_to_other_node", "late_node_sees_connected_users", "presence_node_killed",
}

// TestDifferentialRedisCluster plays the core scenarios on the oracle and
// on three sidecast processes whose REDIS_URL lists the nodes of a real
// local Redis Cluster (three masters, one replica each): sharded pub/sub
// must make the cluster behave like one node exactly as one Redis does.
func TestDifferentialRedisCluster(t *testing.T) {
	rc := redistest.StartCluster(t, redistest.ClusterConfig{})
	s := newDiffSuite(t, rc.URL())
	played := 0
	for _, sc := range difftest.Scenarios {
		if !slices.Contains(clusterScenarios, sc.Name) {
			continue
		}
		played++
		t.Run(sc.Name, func(t *testing.T) {
			oracle := s.play(sc, oracleWorld{url: s.backends.oracleURL(s.t, sc.Backend)}, diffWait)
			if oracle.Err != nil {
				t.Fatalf("oracle: %v", oracle.Err)
			}
			s.cluster(t, sc, runRedis, oracle)
		})
	}
	if played != len(clusterScenarios) {
		t.Fatalf("played %d of the %d cluster scenarios: a name in clusterScenarios is stale", played, len(clusterScenarios))
	}
	s.checkBarrierTimeouts()
	fmt.Printf("redis cluster: %d passed, %d failed\n", s.passed, s.failed)
	checkShardedOnly(t, rc)
}

// checkShardedOnly: the sidecast processes went through sharded pub/sub —
// SPUBLISH and SSUBSCRIBE, never PUBLISH, SUBSCRIBE, PSUBSCRIBE or KEYS.
func checkShardedOnly(t *testing.T, rc *redistest.Cluster) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	total, err := rc.TotalCalls(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("commands on the cluster: spublish %d, ssubscribe %d, set %d", total["spublish"], total["ssubscribe"], total["set"])
	if total["spublish"] == 0 || total["ssubscribe"] == 0 {
		t.Errorf("no sharded pub/sub on the cluster: %v", total)
	}
	for _, cmd := range []string{"publish", "subscribe", "psubscribe", "keys", "scan"} {
		if total[cmd] != 0 {
			t.Errorf("%s sent %d times", cmd, total[cmd])
		}
	}
}
