package fanout

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/valyala/bytebufferpool"
)

var _ Bus = (*RedisBus)(nil)

// RedisBus is one node's bus over Redis pub/sub, on one server or on a
// Redis Cluster (sharded pub/sub, bus_redis_mode.go). Publish queues a
// copy; publishLoop writes the queue in pipelined batches, in queue order.
// Each subscription connection (subConn) has a receiveLoop that dispatches
// its messages, pings it when silent, and reconnects and resubscribes
// forever with backoff. No loop ever stops the process: errors are logged,
// counted and reported by Status.
type RedisBus struct {
	core
	client  redis.UniversalClient
	cluster *redis.ClusterClient // the same client in cluster mode, else nil
	mode    pubsubMode
	addr    string
	keys    keyspace
	timeout time.Duration
	queue   chan outMsg
	ctx     context.Context // canceled by Close, after the last flush
	cancel  context.CancelFunc
	pubDone chan struct{} // closed when publishLoop has flushed and returned
	pub     *publisher    // owned by publishLoop

	targets sync.Map                             // Channel → *pubTarget
	dispMu  sync.Mutex                           // cluster mode: handlers run one at a time, whichever connection received
	routes  atomic.Pointer[map[string]*redisSub] // a copy of subs, read per message without mu

	mu        sync.Mutex
	conns     []*subConn
	subs      map[string]*redisSub // by full channel name
	connected bool
	everUp    bool
	lastErr   error
}

// redisSub is one subscribed channel.
type redisSub struct {
	ch        Channel
	conn      *subConn // guarded by RedisBus.mu; set once
	h         atomic.Pointer[Handler]
	confirmed bool          // guarded by RedisBus.mu
	ready     chan struct{} // closed at the first confirmation
	readyOnce sync.Once
}

// subConn is one subscription connection and the receiveLoop that owns
// it. On one server a single subConn carries every channel; in cluster
// mode each channel has its own, on its shard.
type subConn struct {
	b      *RedisBus
	ps     *redis.PubSub // replaced only by its own receiveLoop (renew), under b.mu: the loop reads it without
	up     bool          // guarded by b.mu: every channel of it confirmed
	everUp bool          // guarded by b.mu
	first  []string      // channels receiveLoop subscribes when it starts; set before
}

type outMsg struct {
	t   *pubTarget
	buf *bytebufferpool.ByteBuffer
}

// NewRedisBus builds a bus from cfg and rc and starts its goroutines. It
// fails only on configuration errors (*ConfigError); an unreachable Redis
// leaves the bus disconnected and retrying, as Status reports.
func NewRedisBus(cfg BusConfig, rc RedisConfig) (*RedisBus, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("fanout: redis bus: %w", err)
	}
	prefix, err := rc.prefix()
	if err != nil {
		return nil, err
	}
	client, cluster, mode, addr, timeout, err := newRedisClient(rc, cfg.Logger)
	if err != nil {
		return nil, err
	}
	b := &RedisBus{
		client:  client,
		cluster: cluster,
		mode:    mode,
		addr:    addr,
		keys:    keyspace{prefix: prefix},
		timeout: timeout,
		pub:     newPublisher(client, cluster),
		queue:   make(chan outMsg, cfg.QueueSize),
		pubDone: make(chan struct{}),
		subs:    make(map[string]*redisSub),
		lastErr: ErrNotConnected,
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.init(cfg, b.Publish)
	own := b.keys.channel(b.own)
	// Connects and subscribes in receiveLoop: a Redis that accepts the
	// connection and answers nothing must not hold the constructor.
	c := &subConn{b: b, ps: b.mode.newPubSub(b.ctx, b.client), first: []string{own}}
	b.addSub(own, newRedisSub(b.own, c))
	b.conns = append(b.conns, c)
	b.start(c.receiveLoop)
	go b.publishLoop()
	b.startSelfCheck()
	return b, nil
}

func newRedisSub(ch Channel, c *subConn) *redisSub {
	return &redisSub{ch: ch, conn: c, ready: make(chan struct{})}
}

// Addr returns the Redis address the bus dials (in cluster mode "cluster"
// and the seeds), for logs.
func (b *RedisBus) Addr() string { return b.addr }

// Publish copies msg and queues it for ch; it never blocks.
func (b *RedisBus) Publish(ch Channel, msg []byte) error {
	if b.closed() {
		return ErrClosed
	}
	t, err := b.target(ch)
	if err != nil {
		return err
	}
	buf := bytebufferpool.Get()
	if buf.B, err = b.seal(buf.B, msg); err != nil {
		bytebufferpool.Put(buf)
		return err
	}
	select {
	case b.queue <- outMsg{t: t, buf: buf}:
		return nil
	default:
		bytebufferpool.Put(buf)
		b.stats.droppedQueueFull.Add(1)
		return ErrQueueFull
	}
}

// target maps ch to its Redis name and publish commands, once.
func (b *RedisBus) target(ch Channel) (*pubTarget, error) {
	if v, ok := b.targets.Load(ch); ok {
		return v.(*pubTarget), nil
	}
	if !validChannel(ch) {
		return nil, fmt.Errorf("%w: %q", ErrBadChannel, ch)
	}
	v, _ := b.targets.LoadOrStore(ch, newPubTarget(b.keys.channel(ch), ch != ClusterChannel))
	return v.(*pubTarget), nil
}

// Subscribe makes h the handler of ch and waits for Redis to confirm the
// subscription, or for ctx.
func (b *RedisBus) Subscribe(ctx context.Context, ch Channel, h Handler) error {
	t, err := b.target(ch)
	if err != nil {
		return err
	}
	full := t.name
	b.mu.Lock()
	if b.closed() {
		b.mu.Unlock()
		return ErrClosed
	}
	s, ok := b.subs[full]
	if !ok {
		var c *subConn // in cluster mode, addChannel makes the channel's own
		if !b.mode.sharded {
			c = b.conns[0]
		}
		s = newRedisSub(ch, c)
		b.addSub(full, s)
		b.connected = false
		b.mu.Unlock()
		if err := b.addChannel(ctx, s, full); err != nil {
			return err
		}
	} else {
		b.mu.Unlock()
	}
	if !s.h.CompareAndSwap(nil, &h) {
		return fmt.Errorf("%w: %s", ErrAlreadySubscribed, ch)
	}
	select {
	case <-s.ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("fanout: subscribe %s: %w (%v)", full, ErrNotConnected, b.Status().Err)
	}
}

// addSub records a new channel in subs and publishes a new copy of it for
// the receive loops, which then find a message's channel without taking
// mu. Channels are only ever added, and rarely: a copy per addition is
// cheaper than a lock per message. Callers hold mu (or own b, at start).
func (b *RedisBus) addSub(full string, s *redisSub) {
	b.subs[full] = s
	routes := maps.Clone(b.subs)
	b.routes.Store(&routes)
}

// addChannel subscribes a new channel: on one server on the shared
// connection, in cluster mode on a connection of its own, to its shard.
// A failed SUBSCRIBE is not an error here: the receiveLoop's reconnect
// subscribes every channel again.
func (b *RedisBus) addChannel(ctx context.Context, s *redisSub, full string) error {
	if !b.mode.sharded {
		b.mu.Lock()
		ps := s.conn.ps
		b.mu.Unlock()
		_ = b.mode.subscribe(ctx, ps, full)
		return nil
	}
	ps := b.mode.newPubSub(b.ctx, b.client)
	_ = b.mode.subscribe(ctx, ps, full) // recorded first, so a reconnect goes to the channel's shard
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed() {
		_ = ps.Close()
		return ErrClosed
	}
	c := &subConn{b: b, ps: ps}
	s.conn = c
	b.conns = append(b.conns, c)
	b.start(c.receiveLoop) // under mu: Close closes done under mu before it waits
	return nil
}

// Status reports connectivity and the self-check.
func (b *RedisBus) Status() Status {
	b.mu.Lock()
	connected, err := b.connected, b.lastErr
	b.mu.Unlock()
	if b.closed() {
		return Status{Err: ErrClosed}
	}
	return b.status(connected, err)
}

// Close flushes what is queued (bounded by the request timeout), stops
// every goroutine, waits for them and closes the connections. Idempotent.
func (b *RedisBus) Close() error {
	b.closeOnce.Do(func() {
		b.mu.Lock()
		close(b.done)
		b.mu.Unlock()
		<-b.pubDone
		b.cancel()
		b.mu.Lock()
		var subs []*redis.PubSub
		for _, c := range b.conns {
			subs = append(subs, c.ps)
		}
		b.mu.Unlock()
		for _, ps := range subs {
			_ = ps.Close()
		}
		b.wg.Wait()
		_ = b.client.Close()
	})
	return nil
}

// isTimeout reports a read deadline passing, which on a subscription only
// means silence. A dial that timed out is a failure, not silence.
func isTimeout(err error) bool {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
