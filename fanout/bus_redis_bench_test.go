package fanout

import (
	"bytes"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/redistest"
)

// BenchmarkRedisBusPublishDeliver: one node publishes 1 KiB frames to
// another through a real redis-server; an op is one frame published and
// delivered. go-redis allocates per command and per received message, so
// this path is not allocation-free; the memory bus is.
func BenchmarkRedisBusPublishDeliver(b *testing.B) {
	srv := redistest.Start(b, redistest.Config{})
	benchPublishDeliver(b, RedisConfig{URL: srv.URL(), KeyPrefix: "bench"})
}

// BenchmarkRedisClusterBusPublishDeliver: the same through a local Redis
// Cluster (three masters, one replica each): SPUBLISH to the shard that
// owns node-b's channel, delivered over node-b's sharded subscription.
func BenchmarkRedisClusterBusPublishDeliver(b *testing.B) {
	c := redistest.StartCluster(b, redistest.ClusterConfig{})
	benchPublishDeliver(b, RedisConfig{URL: c.URL(), KeyPrefix: "bench"})
}

// benchPublishDeliver publishes b.N frames from node-a to node-b over rc.
func benchPublishDeliver(b *testing.B, rc RedisConfig) {
	cfg := BusConfig{NodeID: "node-a", QueueSize: 1 << 16, SelfCheckInterval: -1, Logger: testLogger(nil)}
	pub, err := NewRedisBus(cfg, rc)
	if err != nil {
		b.Fatal(err)
	}
	defer pub.Close()
	cfg.NodeID = "node-b"
	sub, err := NewRedisBus(cfg, rc)
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Close()
	var count, target atomic.Int64
	done := make(chan struct{}, 1)
	if err := sub.Subscribe(b.Context(), NodeChannel("node-b"), func(*Envelope) {
		if count.Add(1) == target.Load() {
			done <- struct{}{}
		}
	}); err != nil {
		b.Fatal(err)
	}
	env := Envelope{Kind: KindFrame, Sender: []byte("node-a"), Session: []byte("s"), Payload: bytes.Repeat([]byte("p"), 1024)}
	frame, _ := env.Append(nil)
	to := NodeChannel("node-b")
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	b.ResetTimer() // starting Redis (a whole cluster) is not the frames' cost
	target.Store(int64(b.N))
	start := time.Now()
	for i := 0; i < b.N; i++ {
		for pub.Publish(to, frame) == ErrQueueFull {
			waitForDrain(&count, int64(i))
		}
	}
	select {
	case <-done:
	case <-time.After(time.Minute):
		b.Fatalf("delivered %d of %d", count.Load(), b.N)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
