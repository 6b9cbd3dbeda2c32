package fanout

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/syncbuf"
	"github.com/sidecast/sidecast/internal/testkit"
)

// redisBus starts a RedisBus against rc and closes it when the test ends.
func redisBus(t *testing.T, cfg BusConfig, rc RedisConfig) *RedisBus {
	t.Helper()
	b, err := NewRedisBus(cfg, rc)
	if err != nil {
		t.Fatalf("NewRedisBus: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// roundTrip publishes from a to b's node channel until b receives one
// message with the given payload, or within passes.
func roundTrip(t *testing.T, a, b Bus, got *collector, payload string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	seq := uint64(0)
	testkit.WaitUntil(t, within, "delivery "+payload, func() bool {
		for _, r := range got.all() {
			if r.payload == payload {
				return true
			}
		}
		seq++
		_ = a.Publish(NodeChannel(b.NodeID()), encode(t, a, KindFrame, "s", seq, payload))
		return false
	})
	return time.Since(start)
}

// Redis killed and restarted mid-test: the bus notices, reconnects,
// resubscribes and delivers again.
func TestRedisBusReconnectsAfterRestart(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	rc := RedisConfig{URL: srv.URL(), KeyPrefix: "restart"}
	var logs syncbuf.Buffer
	cfgB := fastConfig("node-b")
	cfgB.Logger = testLogger(&logs)
	a, b := redisBus(t, fastConfig("node-a"), rc), redisBus(t, cfgB, rc)
	var got collector
	subscribe(t, b, NodeChannel("node-b"), got.handle)
	roundTrip(t, a, b, &got, "before", 10*time.Second)

	srv.Kill()
	down := testkit.WaitUntil(t, 10*time.Second, "b notices Redis is gone", func() bool { return !b.Status().Connected })
	t.Logf("outage noticed after %v; status %+v", down, b.Status())
	lostBefore := a.Stats().DroppedTransport
	for i := 0; i < 10; i++ {
		if err := a.Publish(NodeChannel("node-b"), encode(t, a, KindFrame, "s", uint64(1000+i), "lost")); err != nil {
			t.Fatal(err)
		}
	}
	testkit.WaitUntil(t, 30*time.Second, "frames published during the outage counted as lost", func() bool {
		return a.Stats().DroppedTransport >= lostBefore+10
	})
	srv.Restart()
	restarted := time.Now()

	took := roundTrip(t, a, b, &got, "after", 30*time.Second)
	t.Logf("delivery resumed %v after Redis restarted (ceiling 30s; reconnect backoff %v..%v)",
		took, cfgB.ReconnectMin, cfgB.ReconnectMax)
	testkit.WaitUntil(t, 10*time.Second, "b healthy again", func() bool { return b.Status().Healthy })
	t.Logf("self-check healthy %v after restart", time.Since(restarted))
	if s := b.Stats(); s.Reconnects < 1 {
		t.Fatalf("stats %+v: reconnect not counted", s)
	}
	if !strings.Contains(logs.String(), "redis unavailable") || !strings.Contains(logs.String(), "subscription restored") {
		t.Fatalf("outage and recovery not logged:\n%s", logs.String())
	}
}

// An unreachable Redis at start is not an error: the bus starts degraded
// and joins when Redis answers.
func TestRedisBusStartsDegraded(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	srv.Kill()
	b := redisBus(t, fastConfig("node-a"), RedisConfig{URL: srv.URL()})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := b.Check(ctx); err == nil {
		t.Fatal("Check passed with Redis down")
	}
	if st := b.Status(); st.Connected || st.Healthy || st.Err == nil {
		t.Fatalf("status with Redis down: %+v", st)
	}
	srv.Restart()
	took := testkit.WaitUntil(t, 30*time.Second, "bus healthy once Redis answers", func() bool { return b.Status().Healthy })
	t.Logf("joined %v after Redis came up", took)
}

// Every channel and key sidecast uses starts with the prefix and never has
// the native adapter's "<key>#" shape.
func TestRedisNamesNeverMatchNativeAdapter(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	rc := RedisConfig{URL: srv.URL()} // default prefix "socket.io"
	a := redisBus(t, fastConfig("node-a"), rc)
	var log eventLog
	startRegistry(t, a, "x:1", &log)
	testkit.WaitUntil(t, 10*time.Second, "healthy", func() bool { return a.Status().Healthy })

	ctx := context.Background()
	chans, err := a.client.PubSubChannels(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := a.client.Keys(ctx, "*").Result() // test-only inspection; the product never calls KEYS
	if err != nil {
		t.Fatal(err)
	}
	if len(chans) < 2 || len(keys) < 2 {
		t.Fatalf("expected channels and keys, got %q and %q", chans, keys)
	}
	for _, name := range append(chans, keys...) {
		if !strings.HasPrefix(name, "socket.io:sidecast:") || strings.Contains(name, "#") {
			t.Errorf("name %q does not start with socket.io:sidecast: or contains '#'", name)
		}
	}
	t.Logf("channels %q, keys %q", chans, keys)
}

// A stalled network (bytes stop, connections stay open) is noticed by the
// self-check and the idle ping; the bus recovers when the network resumes.
func TestRedisBusSurvivesNetworkStall(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	proxy := redistest.NewProxy(t, srv.Addr())
	rcB := RedisConfig{URL: "redis://" + proxy.Addr(), KeyPrefix: "stall", RequestTimeout: time.Second}
	a := redisBus(t, fastConfig("node-a"), RedisConfig{URL: srv.URL(), KeyPrefix: "stall"})
	b := redisBus(t, fastConfig("node-b"), rcB)
	var got collector
	subscribe(t, b, NodeChannel("node-b"), got.handle)
	roundTrip(t, a, b, &got, "before", 10*time.Second)
	testkit.WaitUntil(t, 10*time.Second, "b healthy", func() bool { return b.Status().Healthy })

	proxy.Pause()
	unhealthy := testkit.WaitUntil(t, 20*time.Second, "stall noticed by the self-check", func() bool { return !b.Status().Healthy })
	disconnected := testkit.WaitUntil(t, 20*time.Second, "stall noticed by the idle ping", func() bool { return !b.Status().Connected })
	t.Logf("stall: unhealthy after %v, disconnected %v later", unhealthy, disconnected)
	proxy.Resume()
	took := roundTrip(t, a, b, &got, "after", 30*time.Second)
	testkit.WaitUntil(t, 10*time.Second, "b healthy again", func() bool { return b.Status().Healthy })
	t.Logf("delivery resumed %v after the network did", took)
}
