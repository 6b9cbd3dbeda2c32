package fanout

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/valyala/bytebufferpool"
)

var _ Bus = (*RedisBus)(nil)

// RedisBus is one node's bus over Redis pub/sub. Publish queues a copy;
// publishLoop writes the queue in pipelined batches, in queue order.
// receiveLoop owns the subscription connection: it dispatches messages,
// pings a silent connection, and reconnects and resubscribes forever with
// backoff. Neither loop ever stops the process: errors are logged, counted
// and reported by Status.
type RedisBus struct {
	core
	client  *redis.Client
	addr    string
	keys    keyspace
	timeout time.Duration
	queue   chan outMsg
	ctx     context.Context // canceled by Close, after the last flush
	cancel  context.CancelFunc
	pubDone chan struct{} // closed when publishLoop has flushed and returned

	names       sync.Map // Channel → full Redis channel name (string)
	lastPubWarn atomic.Int64

	mu        sync.Mutex
	ps        *redis.PubSub
	subs      map[string]*redisSub // by full channel name
	connected bool
	everUp    bool
	lastErr   error
}

// redisSub is one subscribed channel.
type redisSub struct {
	ch        Channel
	h         atomic.Pointer[Handler]
	confirmed bool          // guarded by RedisBus.mu
	ready     chan struct{} // closed at the first confirmation
	readyOnce sync.Once
}

type outMsg struct {
	ch  string
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
	opt, err := rc.Options(cfg.Logger)
	if err != nil {
		return nil, err
	}
	prefix, _ := rc.prefix()
	b := &RedisBus{
		client:  redis.NewClient(opt),
		addr:    opt.Addr,
		keys:    keyspace{prefix: prefix},
		timeout: opt.ReadTimeout,
		queue:   make(chan outMsg, cfg.QueueSize),
		pubDone: make(chan struct{}),
		subs:    make(map[string]*redisSub),
		lastErr: ErrNotConnected,
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.init(cfg, b.Publish)
	own := b.keys.channel(b.own)
	b.subs[own] = newRedisSub(b.own)
	b.ps = b.client.Subscribe(b.ctx) // connects lazily, in receiveLoop
	_ = b.ps.Subscribe(b.ctx, own)   // a failure is retried by receiveLoop
	b.start(b.receiveLoop)
	go b.publishLoop()
	b.startSelfCheck()
	return b, nil
}

func newRedisSub(ch Channel) *redisSub { return &redisSub{ch: ch, ready: make(chan struct{})} }

// Addr returns the Redis address the bus dials, for logs.
func (b *RedisBus) Addr() string { return b.addr }

// Publish copies msg and queues it for ch; it never blocks.
func (b *RedisBus) Publish(ch Channel, msg []byte) error {
	if b.closed() {
		return ErrClosed
	}
	full, err := b.channelName(ch)
	if err != nil {
		return err
	}
	buf := bytebufferpool.Get()
	buf.B = append(buf.B, msg...)
	select {
	case b.queue <- outMsg{ch: full, buf: buf}:
		return nil
	default:
		bytebufferpool.Put(buf)
		b.stats.droppedQueueFull.Add(1)
		return ErrQueueFull
	}
}

// channelName maps ch to its Redis name once and caches it.
func (b *RedisBus) channelName(ch Channel) (string, error) {
	if v, ok := b.names.Load(ch); ok {
		return v.(string), nil
	}
	if !validChannel(ch) {
		return "", fmt.Errorf("%w: %q", ErrBadChannel, ch)
	}
	full := b.keys.channel(ch)
	b.names.Store(ch, full)
	return full, nil
}

// Subscribe makes h the handler of ch and waits for Redis to confirm the
// subscription, or for ctx.
func (b *RedisBus) Subscribe(ctx context.Context, ch Channel, h Handler) error {
	full, err := b.channelName(ch)
	if err != nil {
		return err
	}
	b.mu.Lock()
	if b.closed() {
		b.mu.Unlock()
		return ErrClosed
	}
	s, ok := b.subs[full]
	if !ok {
		s = newRedisSub(ch)
		b.subs[full] = s
		b.connected = false
		ps := b.ps
		b.mu.Unlock()
		_ = ps.Subscribe(ctx, full) // when it fails, the reconnect restores every channel
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
		close(b.done)
		<-b.pubDone
		b.cancel()
		b.mu.Lock()
		ps := b.ps
		b.mu.Unlock()
		_ = ps.Close()
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
