package fanout

import (
	"bytes"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/testkit"
	"github.com/valyala/bytebufferpool"
)

// A batch written to one Redis server allocates nothing in steady state
// when it holds one message (the usual batch below saturation), and a
// bounded number of objects, whatever its length, when it holds more.
// go-redis by itself costs ~19 objects for a batch of one, 4 more per
// message.
func TestRedisPublishBatchAllocations(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	cfg := fastConfig("node-a")
	cfg.SelfCheckInterval = -1 // nothing else publishes: the test drives flush while publishLoop idles
	b := redisBus(t, cfg, RedisConfig{URL: srv.URL(), KeyPrefix: "allocs"})
	to, err := b.target(NodeChannel("node-b"))
	if err != nil {
		t.Fatal(err)
	}
	frame := bytes.Repeat([]byte("f"), 1024)
	batch := make([]outMsg, 0, 16)
	flushN := func(n int) func() {
		return func() {
			batch = batch[:0]
			for range n {
				buf := bytebufferpool.Get()
				buf.B = append(buf.B[:0], frame...)
				batch = append(batch, outMsg{t: to, buf: buf})
			}
			b.flush(batch)
		}
	}
	flushN(16)() // connection taken, commands and slices grown
	for _, c := range []struct {
		n   int
		max float64
	}{{1, 0}, {16, 3}} { // 16: go-redis's own per pipeline — its command slice, its error check
		if got := testing.AllocsPerRun(200, flushN(c.n)); got > c.max && !raceEnabled {
			t.Errorf("batch of %d: %v allocations, want at most %v", c.n, got, c.max)
		}
	}
	st := b.Stats()
	if want := uint64(16 + 201*(1+16)); st.Published != want || st.DroppedTransport != 0 {
		t.Errorf("published %d, lost %d; want %d published, none lost", st.Published, st.DroppedTransport, want)
	}
}

// A stalled Redis fails a batch once the request timeout has passed,
// though no batch has a context deadline of its own, and the next batch
// after the stall goes out on a new connection.
func TestRedisPublishStallFailsBatchWithinTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	srv := redistest.Start(t, redistest.Config{})
	px := redistest.NewProxy(t, srv.Addr())
	cfg := fastConfig("node-a")
	cfg.SelfCheckInterval = -1
	b := redisBus(t, cfg, RedisConfig{URL: "redis://" + px.Addr(), KeyPrefix: "stall", RequestTimeout: timeout})
	to := NodeChannel("node-b")
	publishOne := func() {
		t.Helper()
		if err := b.Publish(to, []byte("frame")); err != nil {
			t.Fatal(err)
		}
	}
	publishOne()
	testkit.WaitUntil(t, 10*time.Second, "the first message published", func() bool { return b.Stats().Published == 1 })

	px.Pause()
	publishOne()
	took := testkit.WaitUntil(t, 10*time.Second, "the stalled batch failed", func() bool { return b.Stats().DroppedTransport == 1 })
	t.Logf("stalled batch failed after %v (request timeout %v)", took, timeout)
	if took < timeout-50*time.Millisecond || took > timeout+700*time.Millisecond {
		t.Errorf("stalled batch failed after %v, want about the request timeout %v", took, timeout)
	}

	px.Resume()
	publishOne()
	testkit.WaitUntil(t, 10*time.Second, "a message published after the stall", func() bool { return b.Stats().Published == 2 })
}

// A connection that the server closed while the bus was idle (a Redis
// idle timeout, a restart) costs no message: after a pause publishLoop
// takes its connection from the pool again, which checks it first.
func TestRedisPublishAfterServerClosedIdleConnection(t *testing.T) {
	srv := redistest.Start(t, redistest.Config{})
	cfg := fastConfig("node-a")
	cfg.SelfCheckInterval = -1
	b := redisBus(t, cfg, RedisConfig{URL: srv.URL(), KeyPrefix: "idle"})
	to := NodeChannel("node-b")
	if err := b.Publish(to, []byte("before")); err != nil {
		t.Fatal(err)
	}
	testkit.WaitUntil(t, 10*time.Second, "the first message published", func() bool { return b.Stats().Published == 1 })
	killed, err := b.client.ClientKillByFilter(t.Context(), "TYPE", "normal", "SKIPME", "yes").Result()
	if err != nil || killed == 0 {
		t.Fatalf("CLIENT KILL: %d killed, %v", killed, err)
	}
	time.Sleep(keepIdle + 100*time.Millisecond) // the pause itself is the scenario
	if err := b.Publish(to, []byte("after")); err != nil {
		t.Fatal(err)
	}
	testkit.WaitUntil(t, 10*time.Second, "the second message written", func() bool {
		st := b.Stats()
		return st.Published+st.DroppedTransport == 2
	})
	if st := b.Stats(); st.DroppedTransport != 0 {
		t.Errorf("%d message lost on the connection the server had closed", st.DroppedTransport)
	}
}
