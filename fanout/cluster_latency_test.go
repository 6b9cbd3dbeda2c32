package fanout

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sidecast/sidecast/examples/wschat"
	"github.com/sidecast/sidecast/internal/testkit"
	"github.com/sidecast/sidecast/proxy"
)

// latencyMessages and latencyRate are the load of TestClusterLatency.
const (
	latencyMessages = 1000
	latencyRate     = 500 // messages per second
)

// TestClusterLatency measures cross-node delivery (alice on node a says,
// bob on node b receives through his mirror on a) at a steady rate, and,
// over Redis, the Redis commands each relayed message costs. It logs the
// numbers; it fails only on loss, duplication or a p99 past a generous
// ceiling for a loaded two-core machine.
func TestClusterLatency(t *testing.T) {
	for _, n := range networks(t) {
		for _, window := range []time.Duration{0, -1} {
			name := n.name + "/coalesce-default"
			if window < 0 {
				name = n.name + "/coalesce-off"
			}
			t.Run(name, func(t *testing.T) { latencyRun(t, n, window) })
		}
	}
}

func latencyRun(t *testing.T, n *network, window time.Duration) {
	quiet := func(c *BusConfig) { c.SelfCheckInterval = -1 }
	cfg := wsClusterConfig()
	cfg.CoalesceWindow = window
	a := startWSNodeWith(t, n, "a", cfg, quiet)
	b := startWSNodeWith(t, n, "b", cfg, quiet)
	waitPeers(t, a, b)
	alice, bob := dialChat(t, a, "alice"), dialChat(t, b, "bob")
	alice.send(map[string]any{"type": "join", "room": "r"})
	alice.waitFor(map[string]any{"type": "joined", "user": "alice"}, 1)
	bob.send(map[string]any{"type": "join", "room": "r"})
	alice.waitFor(map[string]any{"type": "joined", "user": "bob"}, 1)

	before := commandStats(t, n)
	sent := make([]time.Time, latencyMessages)
	tick := time.NewTicker(time.Second / latencyRate)
	for i := range latencyMessages {
		<-tick.C
		sent[i] = time.Now()
		alice.send(map[string]any{"type": "say", "room": "r", "text": strconv.Itoa(i)})
	}
	tick.Stop()
	testkit.WaitUntil(t, 30*time.Second, "bob receives every message", func() bool {
		return bob.count(map[string]any{"type": "said", "from": "alice"}) >= latencyMessages
	})
	after := commandStats(t, n)
	lat := bob.latencies(t, sent)
	slices.Sort(lat)
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	t.Logf("%s (coalesce window %v): %d messages at %d/s, alice on a → bob on b: p50 %v, p99 %v, max %v",
		n.name, a.cl.cfg.CoalesceWindow, latencyMessages, latencyRate, p50, p99, lat[len(lat)-1])
	if after != nil {
		relayed := a.cl.Stats().Relayed
		t.Logf("%s: %d frames relayed; per relayed frame: %.2f PUBLISH, %.2f Redis commands in all (heartbeats and polls included)",
			n.name, relayed, float64(after["publish"]-before["publish"])/float64(relayed),
			float64(total(after)-total(before))/float64(relayed))
	}
	if p99 > 2*time.Second {
		t.Fatalf("p99 %v past the 2s ceiling", p99)
	}
}

func startWSNodeWith(t *testing.T, n *network, id string, cfg ClusterConfig, mod func(*BusConfig)) *testNode {
	t.Helper()
	chat := wschat.NewServer(wschat.Options{})
	backend := httptest.NewServer(chat)
	t.Cleanup(func() { chat.Close(); backend.Close() })
	u, _ := url.Parse(backend.URL)
	return startNodeOn(t, n, id, u, proxy.ProtocolWebSocket, cfg, mod)
}

// latencies pairs each "said" from alice with its send time by its text.
func (c *chatClient) latencies(t *testing.T, sent []time.Time) []time.Duration {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	seen := make([]bool, len(sent))
	var out []time.Duration
	for i, m := range c.got {
		if m["type"] != "said" || m["from"] != "alice" {
			continue
		}
		k, err := strconv.Atoi(fmt.Sprint(m["text"]))
		if err != nil || k < 0 || k >= len(sent) || seen[k] {
			t.Fatalf("unexpected or duplicate message %v", m)
		}
		if k != len(out) {
			t.Fatalf("message %d arrived as #%d: out of order", k, len(out))
		}
		seen[k] = true
		out = append(out, c.at[i].Sub(sent[k]))
	}
	return out
}

// commandStats reads INFO commandstats (calls per command), nil on the
// memory bus.
func commandStats(t *testing.T, n *network) map[string]int64 {
	t.Helper()
	if n.server == nil {
		return nil
	}
	opt, err := redis.ParseURL(n.server.URL())
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, err := c.Info(ctx, "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":calls=")
		if !ok {
			continue
		}
		calls, _, _ := strings.Cut(rest, ",")
		v, _ := strconv.ParseInt(calls, 10, 64)
		out[strings.TrimPrefix(name, "cmdstat_")] = v
	}
	return out
}

func total(m map[string]int64) int64 {
	var s int64
	for k, v := range m {
		if k != "info" {
			s += v
		}
	}
	return s
}

// broadcastRoom starts nodes a and b with the given coalescing window, and
// a room with alice on a and members bob0… on b.
func broadcastRoom(t *testing.T, n *network, window time.Duration, members int) (*testNode, *chatClient, []*chatClient) {
	t.Helper()
	quiet := func(c *BusConfig) { c.SelfCheckInterval = -1 }
	cfg := wsClusterConfig()
	cfg.CoalesceWindow = window
	a := startWSNodeWith(t, n, "a", cfg, quiet)
	b := startWSNodeWith(t, n, "b", cfg, quiet)
	waitPeers(t, a, b)
	alice := dialChat(t, a, "alice")
	alice.send(map[string]any{"type": "join", "room": "r"})
	alice.waitFor(map[string]any{"type": "joined", "user": "alice"}, 1)
	var bobs []*chatClient
	for i := range members {
		c := dialChat(t, b, "bob"+strconv.Itoa(i))
		c.send(map[string]any{"type": "join", "room": "r"})
		alice.waitFor(map[string]any{"type": "joined", "user": "bob" + strconv.Itoa(i)}, 1)
		bobs = append(bobs, c)
	}
	return a, alice, bobs
}

// TestClusterCoalescesBroadcast: a broadcast that backend a sends to five
// mirrors whose home is node b crosses Redis as one PUBLISH, not five, and
// every member still gets each message once, in order.
func TestClusterCoalescesBroadcast(t *testing.T) {
	const members, msgs = 5, 200
	for _, n := range networks(t) {
		if n.server == nil {
			continue
		}
		a, alice, bobs := broadcastRoom(t, n, 250*time.Microsecond, members)
		before := commandStats(t, n)
		sent := make([]time.Time, msgs)
		tick := time.NewTicker(2 * time.Millisecond)
		for i := range msgs {
			<-tick.C
			sent[i] = time.Now()
			alice.send(map[string]any{"type": "say", "room": "r", "text": strconv.Itoa(i)})
		}
		tick.Stop()
		for _, c := range bobs {
			testkit.WaitUntil(t, 30*time.Second, c.name+" receives every message", func() bool {
				return c.count(map[string]any{"type": "said", "from": "alice"}) >= msgs
			})
			c.latencies(t, sent) // fails on a duplicate or a reordering
		}
		after := commandStats(t, n)
		perMsg := float64(after["publish"]-before["publish"]) / msgs
		st := a.cl.Stats()
		t.Logf("%d messages to %d members on another node: %.2f PUBLISH per message (%d frames relayed, %d coalesced)",
			msgs, members, perMsg, st.Relayed, st.Coalesced)
		if perMsg > 2 {
			t.Fatalf("%.2f PUBLISH per broadcast message to %d mirrors of one home: not coalesced", perMsg, members)
		}
	}
}
