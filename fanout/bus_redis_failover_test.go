package fanout

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/syncbuf"
	"github.com/sidecast/sidecast/internal/testkit"
)

// failoverCeiling bounds how long cross-node delivery may stay broken after
// a master dies; generous for a loaded two-core machine (measured: well
// under a second, see the log line).
const failoverCeiling = 20 * time.Second

// TestRedisClusterFailover: the master serving node b's channel is killed
// and its replica promoted while alice (on a) keeps talking to a room with
// bob (on b) and carol (on c). Delivery to bob resumes within
// failoverCeiling, nothing arrives twice or out of order, every message bob
// missed is counted by a bus loss counter, and carol, whose shard stayed
// up, misses nothing.
func TestRedisClusterFailover(t *testing.T) {
	rc := redistest.StartCluster(t, redistest.ClusterConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const prefix = "fo"
	ids := pickFailoverIDs(ctx, t, rc, prefix)
	victim, err := rc.MasterFor(ctx, prefix+":sidecast:node:"+ids[1])
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("node ids %v; b's channel on master %s", ids, victim.Addr())

	n := clusterNetwork(t, rc, prefix)
	var logs syncbuf.Buffer
	nodes := []*testNode{
		startWSNode(t, n, ids[0], wsClusterConfig()),
		startWSNodeWith(t, n, ids[1], wsClusterConfig(), func(bc *BusConfig) { bc.Logger = testLogger(&logs) }),
		startWSNode(t, n, ids[2], wsClusterConfig()),
	}
	waitPeers(t, nodes...)
	alice, bob, carol := dialChat(t, nodes[0], "alice"), dialChat(t, nodes[1], "bob"), dialChat(t, nodes[2], "carol")
	for _, c := range []*chatClient{alice, bob, carol} {
		c.send(map[string]any{"type": "join", "room": "r"})
		c.waitFor(map[string]any{"type": "joined", "user": c.name}, 1)
	}
	alice.waitFor(map[string]any{"type": "joined", "user": "carol"}, 1)
	bob.waitFor(map[string]any{"type": "joined", "user": "carol"}, 1)

	before := nodes[0].bus.Stats()
	run := failoverRun{t: t, rc: rc, victim: victim, alice: alice, bob: bob}
	run.talk(ctx)
	after := nodes[0].bus.Stats()

	// Everything alice sent reaches carol; bob misses only what the outage ate.
	for i := 0; i < run.sent; i++ {
		carol.waitFor(map[string]any{"type": "said", "text": "m" + strconv.Itoa(i)}, 1)
	}
	got := run.received(bob)
	lost := run.sent - len(got)
	counted := (after.DroppedTransport - before.DroppedTransport) + (after.DroppedNoReceiver - before.DroppedNoReceiver)
	t.Logf("failover: promoted %s in %v; bob's delivery resumed %v after the kill (ceiling %v); sent %d, bob got %d, lost %d; a's bus counted %d (transport %d, no receiver %d); b resubscribed %d time(s)",
		run.promoted.Addr(), run.promotedIn, run.resumedIn, failoverCeiling, run.sent, len(got), lost,
		counted, after.DroppedTransport-before.DroppedTransport, after.DroppedNoReceiver-before.DroppedNoReceiver,
		nodes[1].bus.Stats().Reconnects)
	// A batch that failed in transport may still have been executed, so the
	// count may exceed the loss; it may never fall short of it.
	if uint64(lost) > counted {
		t.Errorf("bob lost %d messages, the sender's bus counted only %d", lost, counted)
	}
	if nodes[1].bus.Stats().Reconnects < 1 || !strings.Contains(logs.String(), "subscription restored") {
		t.Errorf("resubscription not counted or not logged: %+v\n%s", nodes[1].bus.Stats(), logs.String())
	}
	t.Run("registry shard", func(t *testing.T) { testRegistryShardFailover(ctx, t, rc) })
}

// testRegistryShardFailover: the master holding the registry's keys fails
// over. With a TTL of a few heartbeats (as in production: 2s and 10s) no
// node takes another for dead, and heartbeats reach the new master.
func testRegistryShardFailover(ctx context.Context, t *testing.T, rc *redistest.Cluster) {
	prefix := registryPrefixWithReplica(ctx, t, rc)
	n := clusterNetwork(t, rc, prefix)
	var regs []*Registry
	var logs []*eventLog
	for _, id := range []string{"r1", "r2", "r3"} {
		l := &eventLog{}
		r, err := NewRegistry(n.bus(t, fastConfig(id)), RegistryConfig{
			HeartbeatInterval: testBeat, TTL: 3 * time.Second, PollInterval: testPoll,
			OnChange: l.add, Logger: testLogger(nil),
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = r.Close() })
		regs, logs = append(regs, r), append(logs, l)
	}
	testkit.WaitUntil(t, 10*time.Second, "registries see each other", func() bool {
		for _, r := range regs {
			if len(r.Peers()) != 2 {
				return false
			}
		}
		return true
	})
	key := prefix + ":sidecast:{" + prefix + "}:node:r1"
	owner, err := rc.MasterFor(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	promoted, err := rc.Failover(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	// r1's record is written again on the new master: between two readings
	// of its TTL there, the TTL goes up (it only ever goes down otherwise).
	prev, err := rc.Client(promoted).PTTL(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	testkit.WaitUntil(t, 10*time.Second, "a heartbeat reaches the new master", func() bool {
		ttl, err := rc.Client(promoted).PTTL(ctx, key).Result()
		up := err == nil && ttl > prev+10*time.Millisecond
		prev = ttl
		return up
	})
	t.Logf("registry shard %s failed over to %s; heartbeats resumed %v after the kill", owner.Addr(), promoted.Addr(), time.Since(killed))
	// For a TTL after that, nobody was declared dead.
	until := time.Now().Add(3 * time.Second)
	for time.Now().Before(until) {
		for i, l := range logs {
			if _, _, down := l.find(PeerDown, "r1"); down {
				t.Fatalf("registry %d took r1 for dead after its shard failed over", i)
			}
		}
		time.Sleep(testPoll) // watching for an event that must not come
	}
}

// registryPrefixWithReplica chooses a key prefix whose registry slot is on
// a master that still has a replica to promote.
func registryPrefixWithReplica(ctx context.Context, t *testing.T, rc *redistest.Cluster) string {
	t.Helper()
	for i := 0; i < 100; i++ {
		p := "reg" + strconv.Itoa(i)
		owner, err := rc.MasterFor(ctx, p+":sidecast:{"+p+"}:nodes")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rc.ReplicaOf(ctx, owner); err == nil {
			return p
		}
	}
	t.Fatal("no prefix whose registry master has a replica")
	return ""
}

// pickFailoverIDs chooses node ids for a, b and c so that b's channel
// lives on a master that holds neither a's nor c's channel nor the
// registry keys: killing it cuts exactly one node's inbound path.
func pickFailoverIDs(ctx context.Context, t *testing.T, rc *redistest.Cluster, prefix string) []string {
	t.Helper()
	owner := func(name string) string {
		m, err := rc.MasterFor(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return m.Addr()
	}
	registry := owner(prefix + ":sidecast:{" + prefix + "}:nodes")
	var b string
	for i := 0; i < 100 && b == ""; i++ {
		if id := "b" + strconv.Itoa(i); owner(prefix+":sidecast:node:"+id) != registry {
			b = id
		}
	}
	victim := owner(prefix + ":sidecast:node:" + b)
	pick := func(base string) string {
		for i := 0; i < 100; i++ {
			if id := base + strconv.Itoa(i); owner(prefix+":sidecast:node:"+id) != victim {
				return id
			}
		}
		t.Fatalf("no id for %s off master %s", base, victim)
		return ""
	}
	if b == "" {
		t.Fatal("no id for b off the registry's master")
	}
	return []string{pick("a"), b, pick("c")}
}

// failoverRun is alice talking through a failover of bob's shard.
type failoverRun struct {
	t                     *testing.T
	rc                    *redistest.Cluster
	victim                *redistest.Server
	alice, bob            *chatClient
	sent                  int
	killedAt              time.Time
	promoted              *redistest.Server
	promotedIn, resumedIn time.Duration
}

// talk sends a message every 20ms; after 20 messages it fails the victim
// over, then goes on until bob has received 50 messages sent after the
// kill, bounded by failoverCeiling and 5000 messages.
func (r *failoverRun) talk(ctx context.Context) {
	t := r.t
	const every = 20 * time.Millisecond
	resumedAfter := -1
	for r.sent < 5000 {
		text := "m" + strconv.Itoa(r.sent)
		r.alice.send(map[string]any{"type": "say", "room": "r", "text": text})
		r.sent++
		if r.sent == 20 {
			r.failover(ctx)
		}
		if r.sent > 20 && resumedAfter < 0 {
			if idx := r.firstAfterKill(); idx >= 0 {
				resumedAfter = r.sent
				r.resumedIn = r.bob.arrival(idx).Sub(r.killedAt)
			} else if time.Since(r.killedAt) > failoverCeiling {
				t.Fatalf("bob received nothing sent after the kill within %v", failoverCeiling)
			}
		}
		if resumedAfter >= 0 && r.sent >= resumedAfter+50 {
			break
		}
		time.Sleep(every) // pacing the sender, not waiting for a condition
	}
	r.bob.waitFor(map[string]any{"type": "said", "text": "m" + strconv.Itoa(r.sent-1)}, 1)
}

// failover kills the victim and promotes its replica, timing both.
func (r *failoverRun) failover(ctx context.Context) {
	r.killedAt = time.Now()
	p, err := r.rc.Failover(ctx, r.victim)
	if err != nil {
		r.t.Fatal(err)
	}
	r.promoted, r.promotedIn = p, time.Since(r.killedAt)
}

// firstAfterKill returns the index in bob's messages of the first one sent
// after the kill (index ≥ 20), or -1.
func (r *failoverRun) firstAfterKill() int {
	r.bob.mu.Lock()
	defer r.bob.mu.Unlock()
	for i, m := range r.bob.got {
		if text, _ := m["text"].(string); m["type"] == "said" && strings.HasPrefix(text, "m") {
			if n, err := strconv.Atoi(text[1:]); err == nil && n >= 20 {
				return i
			}
		}
	}
	return -1
}

// received returns the message numbers bob got, checking order and
// that none came twice.
func (r *failoverRun) received(c *chatClient) []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int
	for _, m := range c.got {
		text, _ := m["text"].(string)
		if m["type"] != "said" || !strings.HasPrefix(text, "m") {
			continue
		}
		n, err := strconv.Atoi(text[1:])
		if err != nil {
			continue
		}
		if len(out) > 0 && n <= out[len(out)-1] {
			r.t.Fatalf("bob got m%d after m%d: out of order or twice", n, out[len(out)-1])
		}
		out = append(out, n)
	}
	if len(out) != 0 && out[len(out)-1] != r.sent-1 {
		r.t.Fatalf("bob's last message m%d, want m%d", out[len(out)-1], r.sent-1)
	}
	return out
}

func (c *chatClient) arrival(i int) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at[i]
}
