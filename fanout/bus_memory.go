package fanout

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/bytebufferpool"
)

var _ Bus = (*MemoryBus)(nil)

// MemoryHub joins the MemoryBus of several nodes in one process: it is the
// in-memory stand-in for one Redis (REDIS_ENABLED=false, the demo, tests).
// It carries the same encoded envelopes a Redis bus does.
type MemoryHub struct {
	// order makes publishing one critical section, so every subscriber of
	// a channel gets its messages in one order, as from one Redis.
	order    sync.Mutex
	mu       sync.RWMutex
	subs     map[Channel][]*memSub
	presence map[string]memRecord
}

type memRecord struct {
	record  []byte
	expires time.Time
}

// memSub is one bus's subscription to one channel.
type memSub struct {
	bus *MemoryBus
	ch  Channel
	h   atomic.Pointer[Handler]
}

// memMsg is one message waiting in a bus's inbox; buf returns to the pool
// after delivery.
type memMsg struct {
	sub *memSub
	buf *bytebufferpool.ByteBuffer
}

// NewMemoryHub returns an empty hub.
func NewMemoryHub() *MemoryHub {
	return &MemoryHub{subs: make(map[Channel][]*memSub), presence: make(map[string]memRecord)}
}

// MemoryBus is one node's bus on a MemoryHub. Publish copies the message
// into each subscriber's bounded inbox; each bus delivers from its inbox on
// one goroutine it owns, so one publisher's messages stay in order.
type MemoryBus struct {
	core
	hub   *MemoryHub
	inbox chan memMsg

	mu   sync.Mutex
	subs map[Channel]*memSub
}

// NewBus starts a bus for one node on h.
func (h *MemoryHub) NewBus(cfg BusConfig) (*MemoryBus, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("fanout: memory bus: %w", err)
	}
	b := &MemoryBus{hub: h, inbox: make(chan memMsg, cfg.QueueSize), subs: make(map[Channel]*memSub)}
	b.init(cfg, b.Publish)
	b.subscribe(b.own)
	b.start(b.deliverLoop)
	b.startSelfCheck()
	return b, nil
}

// Publish copies msg into the inbox of every bus subscribed to ch.
func (b *MemoryBus) Publish(ch Channel, msg []byte) error {
	if b.closed() {
		return ErrClosed
	}
	if !validChannel(ch) {
		return ErrBadChannel
	}
	if b.auth != nil {
		sealed := bytebufferpool.Get()
		defer bytebufferpool.Put(sealed)
		var err error
		if sealed.B, err = b.seal(sealed.B, msg); err != nil {
			return err
		}
		msg = sealed.B
	}
	b.hub.order.Lock()
	defer b.hub.order.Unlock()
	b.hub.mu.RLock()
	defer b.hub.mu.RUnlock()
	var err error
	for _, s := range b.hub.subs[ch] {
		buf := bytebufferpool.Get()
		buf.B = append(buf.B, msg...)
		select {
		case s.bus.inbox <- memMsg{sub: s, buf: buf}:
		default:
			bytebufferpool.Put(buf)
			b.stats.droppedQueueFull.Add(1)
			err = ErrQueueFull
			continue
		}
	}
	if err == nil {
		b.stats.published.Add(1)
	}
	return err
}

// Subscribe sets h as ch's handler; on a memory bus it is active at once.
func (b *MemoryBus) Subscribe(ctx context.Context, ch Channel, h Handler) error {
	if !validChannel(ch) {
		return fmt.Errorf("%w: %q", ErrBadChannel, ch)
	}
	if b.closed() {
		return ErrClosed
	}
	s := b.subscribe(ch)
	if !s.h.CompareAndSwap(nil, &h) {
		return fmt.Errorf("%w: %s", ErrAlreadySubscribed, ch)
	}
	return nil
}

// subscribe adds b to ch in the hub once and returns its subscription.
func (b *MemoryBus) subscribe(ch Channel) *memSub {
	b.mu.Lock()
	defer b.mu.Unlock()
	if s, ok := b.subs[ch]; ok {
		return s
	}
	s := &memSub{bus: b, ch: ch}
	b.subs[ch] = s
	b.hub.mu.Lock()
	b.hub.subs[ch] = append(b.hub.subs[ch], s)
	b.hub.mu.Unlock()
	return s
}

// deliverLoop owns the dispatcher: it delivers the inbox in order.
func (b *MemoryBus) deliverLoop() {
	for {
		select {
		case <-b.done:
			return
		case m := <-b.inbox:
			var h Handler
			if p := m.sub.h.Load(); p != nil {
				h = *p
			}
			b.disp.dispatch(m.sub.ch, h, m.buf.B)
			putBuf(m.buf)
		}
	}
}

// Status reports a memory bus as connected until it closes.
func (b *MemoryBus) Status() Status {
	if b.closed() {
		return Status{Err: ErrClosed}
	}
	return b.status(true, nil)
}

// Close leaves the hub, stops the bus's goroutines and waits for them.
func (b *MemoryBus) Close() error {
	b.closeOnce.Do(func() {
		b.hub.mu.Lock()
		for ch, list := range b.hub.subs {
			kept := list[:0]
			for _, s := range list {
				if s.bus != b {
					kept = append(kept, s)
				}
			}
			if len(kept) == 0 {
				delete(b.hub.subs, ch)
			} else {
				b.hub.subs[ch] = kept
			}
		}
		b.hub.mu.Unlock()
		close(b.done)
		b.wg.Wait()
	})
	return nil
}
