package fanout

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/syncbuf"
	"github.com/sidecast/sidecast/internal/testkit"
)

// clusterNetwork is a network over a real local Redis Cluster (three
// masters, one replica each), with its own key prefix.
func clusterNetwork(t *testing.T, c *redistest.Cluster, prefix string) *network {
	t.Helper()
	return &network{name: "redis-cluster", redis: RedisConfig{URL: c.URL(), KeyPrefix: prefix}}
}

// TestRedisCluster runs the bus, the registry and mirror sessions over a
// real Redis Cluster: per-node channels on the shards their slots map to,
// registry keys that never cross slots, and a room of three clients on
// three nodes.
func TestRedisCluster(t *testing.T) {
	start := time.Now()
	rc := redistest.StartCluster(t, redistest.ClusterConfig{})
	t.Logf("cluster of %d redis-server processes ready in %v", len(rc.Nodes()), time.Since(start))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("check", func(t *testing.T) { testClusterCheck(ctx, t, rc) })
	t.Run("room of three on three nodes", func(t *testing.T) { testClusterRoom(ctx, t, rc) })
	t.Run("channels on their shards", func(t *testing.T) { testClusterShardChannels(ctx, t, rc) })
	t.Run("no pattern or keyspace commands", func(t *testing.T) { testClusterCommandSet(ctx, t, rc) })
	t.Run("slot migration", func(t *testing.T) { testClusterSlotMigration(ctx, t, rc) })
	t.Run("least-privilege ACL user", func(t *testing.T) { testClusterACL(ctx, t, rc) })
	t.Run("cost per message and per session", func(t *testing.T) { testClusterCost(ctx, t, rc) })
}

// testClusterACL: a user holding only ACLRule (set on every node, as a
// managed service does) passes Check, and two buses talk through shards.
func testClusterACL(ctx context.Context, t *testing.T, rc *redistest.Cluster) {
	const secret = "cl-S3cret-9"
	if err := rc.ResetStats(ctx); err != nil {
		t.Fatal(err)
	}
	args := []any{"acl", "setuser", "sidecast", "on", ">" + secret}
	for _, r := range strings.Fields(ACLRule("acl")) {
		args = append(args, r)
	}
	for _, s := range rc.Nodes() {
		if err := rc.Client(s).Do(ctx, args...).Err(); err != nil {
			t.Fatalf("ACL SETUSER on %s: %v", s.Addr(), err)
		}
	}
	var logs syncbuf.Buffer
	cfg := RedisConfig{URL: rc.URL(), Username: "sidecast", Password: secret, KeyPrefix: "acl"}
	bc := fastConfig("acl-a")
	bc.Logger = testLogger(&logs)
	a, b := redisBus(t, bc, cfg), redisBus(t, fastConfig("acl-b"), cfg)
	if err := a.Check(ctx); err != nil {
		t.Fatalf("Check as the least-privilege user: %v", err)
	}
	var got collector
	subscribe(t, b, NodeChannel("acl-b"), got.handle)
	roundTrip(t, a, b, &got, "through the ACL", 10*time.Second)
	ra := startRegistry(t, a, "a:1", &eventLog{})
	startRegistry(t, b, "b:1", &eventLog{})
	testkit.WaitUntil(t, 10*time.Second, "registry and self-check through the ACL", func() bool {
		return a.Status().Healthy && len(ra.Peers()) == 1
	})
	if strings.Contains(logs.String(), "NOPERM") || strings.Contains(logs.String(), secret) {
		t.Fatalf("refused command or secret in the log:\n%s", logs.String())
	}
	stats, err := rc.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stats {
		// The default user's own CONFIG RESETSTAT and ACL SETUSER are the test's.
		if len(st.Rejected) != 0 {
			t.Errorf("node %s refused %v", st.Addr, st.Rejected)
		}
	}
}

// testClusterCheck: Check passes on a cluster and says clearly when the
// configured mode and the server's kind disagree, both ways.
func testClusterCheck(ctx context.Context, t *testing.T, rc *redistest.Cluster) {
	plain := redistest.Start(t, redistest.Config{})
	cases := []struct {
		name string
		cfg  RedisConfig
		want error
	}{
		{"cluster mode on a cluster", RedisConfig{URL: rc.URL()}, nil},
		{"REDIS_CLUSTER with one seed", RedisConfig{URL: "redis://" + rc.Addrs()[0], Cluster: true}, nil},
		{"REDIS_CLUSTER_NODES", RedisConfig{ClusterNodes: rc.Addrs()[:2]}, nil},
		{"single mode on a cluster node", RedisConfig{URL: "redis://" + rc.Addrs()[0]}, ErrIsCluster},
		{"cluster mode on a single server", RedisConfig{URL: plain.URL(), Cluster: true}, ErrNotCluster},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.KeyPrefix = "check"
			tc.cfg.RequestTimeout = 2 * time.Second
			b := redisBus(t, fastConfig("check-node"), tc.cfg)
			err := b.Check(ctx)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Check = %v, want %v", err, tc.want)
			}
			t.Logf("Check: %v", err)
		})
	}
}

// testClusterRoom: three wschat backends behind three nodes over the
// cluster; three clients, one per node, in one room: each message reaches
// all three exactly once.
func testClusterRoom(ctx context.Context, t *testing.T, rc *redistest.Cluster) {
	n := clusterNetwork(t, rc, "room")
	nodes := []*testNode{
		startWSNode(t, n, "a", wsClusterConfig()),
		startWSNode(t, n, "b", wsClusterConfig()),
		startWSNode(t, n, "c", wsClusterConfig()),
	}
	waitPeers(t, nodes...)
	users := []string{"alice", "bob", "carol"}
	clients := make([]*chatClient, 3)
	for i, u := range users {
		clients[i] = dialChat(t, nodes[i], u)
		clients[i].send(map[string]any{"type": "join", "room": "r"})
		clients[i].waitFor(map[string]any{"type": "joined", "user": u}, 1)
	}
	for i, c := range clients {
		for _, u := range users[i:] {
			// A member sees its own join and every later one, once.
			c.waitFor(map[string]any{"type": "joined", "user": u}, 1)
		}
	}
	for round := 0; round < 3; round++ {
		for i, from := range clients {
			text := fmt.Sprintf("%s-%d", users[i], round)
			start := time.Now()
			from.send(map[string]any{"type": "say", "room": "r", "text": text})
			for _, to := range clients {
				to.waitFor(map[string]any{"type": "said", "from": users[i], "text": text}, 1)
			}
			if round == 0 {
				t.Logf("%s's message reached all three nodes in %v", users[i], time.Since(start))
			}
		}
	}
	for _, nd := range nodes {
		if st := nd.cl.Stats(); st.BarrierTimeouts != 0 || st.SequenceGaps != 0 {
			t.Fatalf("node %s: %+v", nd.id, st)
		}
		if st := nd.bus.Stats(); st.DroppedTransport != 0 || st.DroppedQueueFull != 0 {
			t.Fatalf("node %s lost bus messages: %+v", nd.id, st)
		}
	}
}

// testClusterShardChannels: each node channel is a shard channel on
// exactly the master that owns its slot, and nothing is subscribed with
// plain SUBSCRIBE anywhere.
func testClusterShardChannels(ctx context.Context, t *testing.T, rc *redistest.Cluster) {
	n := clusterNetwork(t, rc, "shards")
	ids := []string{"n1", "n2", "n3", "n4", "n5", "n6"}
	for _, id := range ids {
		b := n.bus(t, fastConfig(id))
		testkit.WaitUntil(t, 10*time.Second, id+" healthy", func() bool { return b.Status().Healthy })
	}
	masters, err := rc.Masters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	perMaster := map[string]int{}
	for _, id := range ids {
		full := "shards:sidecast:node:" + id
		owner, err := rc.MasterFor(ctx, full)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range masters {
			got, err := rc.Client(m).PubSubShardChannels(ctx, full).Result()
			if err != nil {
				t.Fatal(err)
			}
			if on := len(got) == 1; on != (m == owner) {
				t.Fatalf("channel %s on master %s: %v (owner %s)", full, m.Addr(), got, owner.Addr())
			}
		}
		perMaster[owner.Addr()]++
	}
	for _, s := range rc.Nodes() {
		if got, err := rc.Client(s).PubSubChannels(ctx, "*").Result(); err != nil || len(got) != 0 {
			t.Fatalf("plain channels on %s: %v (%v)", s.Addr(), got, err)
		}
	}
	t.Logf("node channels per master: %v", perMaster)
}

// testClusterCommandSet: managed services refuse PSUBSCRIBE and KEYS;
// INFO commandstats on every node shows sidecast sent neither (nor SCAN,
// nor plain PUBLISH/SUBSCRIBE, which a cluster copies to every node).
func testClusterCommandSet(ctx context.Context, t *testing.T, rc *redistest.Cluster) {
	if err := rc.ResetStats(ctx); err != nil {
		t.Fatal(err)
	}
	n := clusterNetwork(t, rc, "cmds")
	a := startWSNode(t, n, "a", wsClusterConfig())
	b := startWSNode(t, n, "b", wsClusterConfig())
	waitPeers(t, a, b)
	alice, bob := dialChat(t, a, "alice"), dialChat(t, b, "bob")
	alice.send(map[string]any{"type": "join", "room": "r"})
	bob.send(map[string]any{"type": "join", "room": "r"})
	bob.waitFor(map[string]any{"type": "joined", "user": "bob"}, 1)
	alice.send(map[string]any{"type": "say", "room": "r", "text": "hi"})
	bob.waitFor(map[string]any{"type": "said", "text": "hi"}, 1)

	total, err := rc.TotalCalls(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("commands on the cluster during the run: %v", total)
	for _, cmd := range []string{"psubscribe", "keys", "scan", "publish", "subscribe"} {
		if total[cmd] != 0 {
			t.Errorf("%s sent %d times", strings.ToUpper(cmd), total[cmd])
		}
	}
	for _, cmd := range []string{"spublish", "ssubscribe", "set", "smembers", "mget"} {
		if total[cmd] == 0 {
			t.Errorf("%s never sent: the run did not exercise the bus", strings.ToUpper(cmd))
		}
	}
}

// testClusterSlotMigration: the slot of b's node channel moves to another
// master; Redis ends b's subscription (SUNSUBSCRIBE), b subscribes again on
// the new owner, counts and logs it, and delivery resumes.
func testClusterSlotMigration(ctx context.Context, t *testing.T, rc *redistest.Cluster) {
	n := clusterNetwork(t, rc, "mig")
	var logs syncbuf.Buffer
	bc := fastConfig("mig-b")
	bc.Logger = testLogger(&logs)
	a, b := n.bus(t, fastConfig("mig-a")), n.bus(t, bc)
	var got collector
	subscribe(t, b, NodeChannel("mig-b"), got.handle)
	roundTrip(t, a, b, &got, "before", 10*time.Second)

	full := "mig:sidecast:node:mig-b"
	from, err := rc.MasterFor(ctx, full)
	if err != nil {
		t.Fatal(err)
	}
	masters, err := rc.Masters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	to := masters[0]
	if to == from {
		to = masters[1]
	}
	start := time.Now()
	if err := rc.MoveSlot(ctx, full, to); err != nil {
		t.Fatal(err)
	}
	took := roundTrip(t, a, b, &got, "after", 20*time.Second)
	testkit.WaitUntil(t, 10*time.Second, "resubscription counted", func() bool { return b.Stats().Reconnects >= 1 })
	t.Logf("slot moved %s → %s; delivery resumed after %v (since the move %v); a lost %+v",
		from.Addr(), to.Addr(), took, time.Since(start), a.Stats())
	if !strings.Contains(logs.String(), "subscription restored") || !strings.Contains(logs.String(), to.Addr()) {
		t.Fatalf("resubscription on %s not logged:\n%s", to.Addr(), logs.String())
	}
	if got, err := rc.Client(to).PubSubShardChannels(ctx, full).Result(); err != nil || len(got) != 1 {
		t.Fatalf("channel not on the new owner: %v %v", got, err)
	}
}
