package fanout

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/redistest"
)

// network makes buses that can reach each other: one memory hub, or one
// real redis-server.
type network struct {
	name   string
	hub    *MemoryHub
	server *redistest.Server
	redis  RedisConfig
}

// networks returns one network of each implementation, for table tests
// that must hold for both buses.
func networks(t *testing.T) []*network {
	t.Helper()
	srv := redistest.Start(t, redistest.Config{})
	return []*network{
		{name: "memory", hub: NewMemoryHub()},
		{name: "redis", server: srv, redis: RedisConfig{URL: srv.URL(), KeyPrefix: "t" + fmt.Sprint(time.Now().UnixNano())}},
	}
}

// fastConfig shortens every timing knob so tests run quickly.
func fastConfig(id string) BusConfig {
	return BusConfig{
		NodeID: id, QueueSize: 16384, SelfCheckInterval: 50 * time.Millisecond,
		SelfCheckTimeout: time.Second, IdlePing: time.Second,
		ReconnectMin: 20 * time.Millisecond, ReconnectMax: 200 * time.Millisecond,
		Logger: testLogger(nil),
	}
}

// bus starts a bus on n and closes it when the test ends.
func (n *network) bus(t *testing.T, cfg BusConfig) Bus {
	t.Helper()
	var (
		b   Bus
		err error
	)
	if n.hub != nil {
		b, err = n.hub.NewBus(cfg)
	} else {
		b, err = NewRedisBus(cfg, n.redis)
	}
	if err != nil {
		t.Fatalf("new %s bus: %v", n.name, err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// testLogger logs into w (or nowhere) so tests can scan what was logged.
func testLogger(w io.Writer) *slog.Logger {
	if w == nil {
		w = io.Discard
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// subscribe subscribes ch on b, waiting up to 10s for the subscription.
func subscribe(t *testing.T, b Bus, ch Channel, h Handler) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Subscribe(ctx, ch, h); err != nil {
		t.Fatalf("subscribe %s: %v", ch, err)
	}
}

// encode builds an envelope from b for session s with sequence seq.
func encode(t testing.TB, b Bus, kind Kind, session string, seq uint64, payload string) []byte {
	t.Helper()
	env := Envelope{Kind: kind, Sender: []byte(b.NodeID()), Epoch: b.Epoch(), Session: []byte(session), Seq: seq, Payload: []byte(payload)}
	out, err := env.Append(nil)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return out
}

// received is a copy of a delivered envelope.
type received struct {
	kind            Kind
	sender, session string
	epoch, seq      uint64
	payload         string
}

// collector gathers delivered envelopes.
type collector struct {
	mu  sync.Mutex
	got []received
}

func (c *collector) handle(env *Envelope) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, received{env.Kind, string(env.Sender), string(env.Session), env.Epoch, env.Seq, string(env.Payload)})
}

func (c *collector) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.got)
}

func (c *collector) all() []received {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]received(nil), c.got...)
}
