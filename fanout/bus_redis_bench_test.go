package fanout

import (
	"bytes"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/redistest"
)

// BenchmarkRedisBusPublishDeliver: one node publishes 1 KiB frames to
// another through a real redis-server; an op is one frame published and
// delivered. go-redis allocates per received message (its reply, the
// strings, the *Message), so this path is not allocation-free; the memory
// bus is.
func BenchmarkRedisBusPublishDeliver(b *testing.B) {
	benchPublishDeliver(b, benchRedis(b, false))
}

// BenchmarkRedisClusterBusPublishDeliver: the same through a local Redis
// Cluster (three masters, one replica each): SPUBLISH to the shard that
// owns node-b's channel, delivered over node-b's sharded subscription.
func BenchmarkRedisClusterBusPublishDeliver(b *testing.B) {
	benchPublishDeliver(b, benchRedis(b, true))
}

// BenchmarkRedisBusOneByOne: one frame at a time, each delivered before
// the next is published, so every batch and every read carries one
// message, as on a node whose rate is low enough that batches stay
// single (the usual case well below saturation). An op is one frame
// published, received and dispatched; allocs/op and B/op cover both
// buses, so they are the whole path's cost per relayed message.
func BenchmarkRedisBusOneByOne(b *testing.B) {
	benchOneByOne(b, benchRedis(b, false))
}

// BenchmarkRedisClusterBusOneByOne is BenchmarkRedisBusOneByOne over
// sharded pub/sub on a local Redis Cluster.
func BenchmarkRedisClusterBusOneByOne(b *testing.B) {
	benchOneByOne(b, benchRedis(b, true))
}

// benchRedis starts a redis-server, or a local Redis Cluster (three
// masters, one replica each), for the benchmark.
func benchRedis(b *testing.B, cluster bool) RedisConfig {
	if cluster {
		return RedisConfig{URL: redistest.StartCluster(b, redistest.ClusterConfig{}).URL(), KeyPrefix: "bench"}
	}
	return RedisConfig{URL: redistest.Start(b, redistest.Config{}).URL(), KeyPrefix: "bench"}
}

func benchOneByOne(b *testing.B, rc RedisConfig) {
	got := make(chan struct{}, 1)
	pub, frame := benchPair(b, rc, func(*Envelope) { got <- struct{}{} })
	to := NodeChannel("node-b")
	for i := 0; i < 100; i++ { // connections dialled, buffers and pools warm
		if err := pub.Publish(to, frame); err != nil {
			b.Fatal(err)
		}
		<-got
	}
	limit := time.NewTimer(time.Minute) // one timer for the run: a timer per frame would be counted as the path's cost
	defer limit.Stop()
	b.ReportAllocs()
	cpu := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := pub.Publish(to, frame); err != nil {
			b.Fatal(err)
		}
		select {
		case <-got:
		case <-limit.C:
			b.Fatalf("frame %d of %d not delivered within a minute", i, b.N)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
}

// processCPU is the CPU time this process has used (user and system, every
// thread), in ns. Unlike ns/op it does not count the time spent waiting for
// redis-server or for a core shared with other work.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// benchPair starts node-a, which publishes, and node-b, subscribed to its
// own channel with h; it returns node-a and a 1 KiB frame.
func benchPair(b *testing.B, rc RedisConfig, h Handler) (*RedisBus, []byte) {
	cfg := BusConfig{NodeID: "node-a", QueueSize: 1 << 16, SelfCheckInterval: -1, Logger: testLogger(nil)}
	pub, err := NewRedisBus(cfg, rc)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = pub.Close() })
	cfg.NodeID = "node-b"
	sub, err := NewRedisBus(cfg, rc)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sub.Close() })
	if err := sub.Subscribe(b.Context(), NodeChannel("node-b"), h); err != nil {
		b.Fatal(err)
	}
	env := Envelope{Kind: KindFrame, Sender: []byte("node-a"), Session: []byte("s"), Payload: bytes.Repeat([]byte("p"), 1024)}
	frame, _ := env.Append(nil)
	return pub, frame
}

// benchPublishDeliver publishes b.N frames from node-a to node-b over rc.
func benchPublishDeliver(b *testing.B, rc RedisConfig) {
	var count, target atomic.Int64
	done := make(chan struct{}, 1)
	pub, frame := benchPair(b, rc, func(*Envelope) {
		if count.Add(1) == target.Load() {
			done <- struct{}{}
		}
	})
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
