package redistest

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestParseClusterNodes(t *testing.T) {
	reply := "07c3 127.0.0.1:30004@31004 slave e7d1 0 1426238317239 4 connected\n" +
		"e7d1 127.0.0.1:30001@31001,host myself,master - 0 0 1 connected 0-5460\n" +
		"292f 127.0.0.1:30002@31002 master,fail - 1426238316232 1426238315000 2 disconnected 5461-10922\n"
	got, err := parseClusterNodes(reply)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		i              int
		addr, masterID string
		master, failed bool
		slots          int
	}{
		{0, "127.0.0.1:30004", "e7d1", false, false, 0},
		{1, "127.0.0.1:30001", "", true, false, 1},
		{2, "127.0.0.1:30002", "", true, true, 1},
	}
	for _, tc := range cases {
		t.Run(tc.addr, func(t *testing.T) {
			n := got[tc.i]
			if n.Addr != tc.addr || n.MasterID != tc.masterID || n.Master != tc.master || n.Failed != tc.failed || len(n.Slots) != tc.slots {
				t.Fatalf("node %d = %+v", tc.i, n)
			}
		})
	}
}

func TestParseCommandStats(t *testing.T) {
	calls, rejected := map[string]int64{}, map[string]int64{}
	parseCommandStats("# Commandstats\r\ncmdstat_spublish:calls=12,usec=30,usec_per_call=2.5,rejected_calls=0,failed_calls=0\r\n"+
		"cmdstat_cluster|slots:calls=3,usec=1,rejected_calls=2\r\n", calls, rejected)
	if calls["spublish"] != 12 || calls["cluster|slots"] != 3 || len(calls) != 2 {
		t.Fatalf("calls = %v", calls)
	}
	if rejected["cluster|slots"] != 2 || len(rejected) != 1 {
		t.Fatalf("rejected = %v", rejected)
	}
	bus := parseBusSent("cluster_stats_messages_ping_sent:10\r\ncluster_stats_messages_publishshard_sent:4\r\ncluster_stats_messages_sent:14\r\n")
	if bus["ping"] != 10 || bus["publishshard"] != 4 || len(bus) != 2 {
		t.Fatalf("bus sent = %v", bus)
	}
	if got := infoInt("# Stats\r\ntotal_net_input_bytes:1234\r\n", "total_net_input_bytes"); got != 1234 {
		t.Fatalf("infoInt = %d", got)
	}
}

// TestClusterShardedPubSubAndFailover builds the six-process cluster, sends
// a sharded message through it, fails a master over and sends again.
func TestClusterShardedPubSubAndFailover(t *testing.T) {
	start := time.Now()
	c := StartCluster(t, ClusterConfig{})
	t.Logf("cluster of %d nodes up in %v", len(c.Nodes()), time.Since(start))
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	masters, err := c.Masters(ctx)
	if err != nil || len(masters) != 3 {
		t.Fatalf("masters = %d (%v), want 3", len(masters), err)
	}
	cl := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs(), Protocol: 2, DisableIdentity: true})
	t.Cleanup(func() { _ = cl.Close() })
	const ch = "redistest:shard"
	roundTrip(ctx, t, cl, ch)

	owner, err := c.MasterFor(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	promoted, err := c.Failover(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("failover of %s to %s in %v", owner.Addr(), promoted.Addr(), time.Since(t0))
	if now, err := c.MasterFor(ctx, ch); err != nil || now != promoted {
		t.Fatalf("slot owner after failover = %v (%v), want %s", now, err, promoted.Addr())
	}
	cl.ReloadState(ctx)
	roundTrip(ctx, t, cl, ch)
}

// roundTrip subscribes ch (sharded) and publishes to it until the message
// arrives, bounded by ctx.
func roundTrip(ctx context.Context, t *testing.T, cl *redis.ClusterClient, ch string) {
	t.Helper()
	for ctx.Err() == nil {
		ps := cl.SSubscribe(ctx, ch)
		if _, err := ps.ReceiveTimeout(ctx, 2*time.Second); err != nil {
			_ = ps.Close()
			cl.ReloadState(ctx)
			continue
		}
		err := cl.SPublish(ctx, ch, "hello").Err()
		msg, rerr := ps.ReceiveTimeout(ctx, 2*time.Second)
		_ = ps.Close()
		if m, ok := msg.(*redis.Message); err == nil && rerr == nil && ok && m.Payload == "hello" {
			return
		}
		cl.ReloadState(ctx)
	}
	t.Fatalf("no sharded round trip on %s: %v", ch, ctx.Err())
}
