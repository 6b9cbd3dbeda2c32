package fanout

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/redis/go-redis/v9"
)

// publishLoop writes queued messages in pipelined batches. One goroutine
// and one pipeline at a time keep every publisher's order. On Close it
// flushes what is queued, then closes pubDone.
func (b *RedisBus) publishLoop() {
	defer close(b.pubDone)
	batch := make([]outMsg, 0, b.cfg.BatchSize)
	for {
		select {
		case <-b.done:
			b.drain(batch)
			return
		case m := <-b.queue:
			batch = b.fill(append(batch[:0], m))
			b.flush(batch)
		}
	}
}

// fill adds whatever else is queued, up to a batch.
func (b *RedisBus) fill(batch []outMsg) []outMsg {
	for len(batch) < cap(batch) {
		select {
		case m := <-b.queue:
			batch = append(batch, m)
		default:
			return batch
		}
	}
	return batch
}

// drain flushes the queue once more at Close.
func (b *RedisBus) drain(batch []outMsg) {
	for {
		batch = b.fill(batch[:0])
		if len(batch) == 0 {
			return
		}
		b.flush(batch)
	}
}

// flush publishes batch in one pipeline and returns its buffers to the pool.
func (b *RedisBus) flush(batch []outMsg) {
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	pipe := b.client.Pipeline()
	cmds := make([]*redis.IntCmd, len(batch))
	for i, m := range batch {
		cmds[i] = pipe.Publish(ctx, m.ch, m.buf.B)
	}
	start := time.Now()
	_, err := pipe.Exec(ctx)
	cancel()
	if f := b.cfg.OnRoundTrip; f != nil {
		f("publish", time.Since(start))
	}
	failed := 0
	for _, c := range cmds {
		if c.Err() != nil {
			failed++
		}
	}
	b.stats.published.Add(uint64(len(batch) - failed))
	b.stats.droppedTransport.Add(uint64(failed))
	if err != nil {
		b.publishFailed(failed, err)
	}
	for i := range batch {
		putBuf(batch[i].buf)
		batch[i] = outMsg{}
	}
}

// publishFailed logs lost messages, at most once a second.
func (b *RedisBus) publishFailed(n int, err error) {
	now := time.Now().UnixNano()
	last := b.lastPubWarn.Load()
	if now-last < int64(time.Second) || !b.lastPubWarn.CompareAndSwap(last, now) {
		return
	}
	b.cfg.Logger.Error("fanout: redis publish failed; messages lost", "redis", b.addr, "lost", n, "err", err)
}

// receiveLoop owns the subscription: it reads, dispatches, keeps the
// connection alive and reconnects with backoff until Close.
func (b *RedisBus) receiveLoop() {
	wait := b.cfg.ReconnectMin
	pinged := false
	for !b.closed() {
		ps := b.pubsub()
		msg, err := ps.ReceiveTimeout(b.ctx, b.cfg.IdlePing)
		switch {
		case err == nil:
			pinged = false
			if b.handle(msg) {
				wait = b.cfg.ReconnectMin
			}
		case b.closed():
			return
		case isTimeout(err) && !pinged:
			pinged = true
			if err := ps.Ping(b.ctx); err != nil {
				b.lost(err, wait)
			}
		case isTimeout(err):
			pinged = false
			b.lost(errors.New("subscription connection silent: no reply to PING"), wait)
			b.renewPubSub()
		default:
			b.lost(err, wait)
			if !b.sleep(wait) {
				return
			}
			wait = min(2*wait, b.cfg.ReconnectMax)
		}
	}
}

// handle processes one pub/sub reply; it reports a confirmed subscription.
func (b *RedisBus) handle(msg any) bool {
	switch m := msg.(type) {
	case *redis.Message:
		b.deliver(m)
	case *redis.Subscription:
		if m.Kind == "subscribe" {
			b.confirm(m.Channel)
			return true
		}
	}
	return false
}

// deliver hands a message to its channel's handler. The payload string is
// viewed as bytes without a copy; handlers only read it.
func (b *RedisBus) deliver(m *redis.Message) {
	b.mu.Lock()
	s := b.subs[m.Channel]
	b.mu.Unlock()
	if s == nil {
		return
	}
	var h Handler
	if p := s.h.Load(); p != nil {
		h = *p
	}
	msg := unsafe.Slice(unsafe.StringData(m.Payload), len(m.Payload))
	b.disp.dispatch(s.ch, h, msg)
}

// confirm marks a channel subscribed; once all are, the bus is connected.
func (b *RedisBus) confirm(full string) {
	b.mu.Lock()
	s := b.subs[full]
	if s == nil {
		b.mu.Unlock()
		return
	}
	s.confirmed = true
	s.readyOnce.Do(func() { close(s.ready) })
	all := true
	for _, x := range b.subs {
		all = all && x.confirmed
	}
	came := all && !b.connected
	recovered := came && b.everUp
	if came {
		b.connected, b.everUp, b.lastErr = true, true, nil
	}
	b.mu.Unlock()
	if recovered {
		b.stats.reconnects.Add(1)
		b.cfg.Logger.Info("fanout: redis subscription restored", "redis", b.addr)
	}
	if came {
		b.probe.poke()
	}
}

// lost records a broken subscription and logs it, once per retry.
func (b *RedisBus) lost(err error, retry time.Duration) {
	b.mu.Lock()
	for _, s := range b.subs {
		s.confirmed = false
	}
	b.connected, b.lastErr = false, fmt.Errorf("fanout: redis %s: %w", b.addr, err)
	b.mu.Unlock()
	b.cfg.Logger.Error("fanout: redis unavailable; node runs degraded (local delivery only), retrying",
		"redis", b.addr, "retry_in", retry, "err", err)
}

// renewPubSub replaces a connection that went silent with a fresh one that
// subscribes every channel.
func (b *RedisBus) renewPubSub() {
	b.mu.Lock()
	old := b.ps
	chans := make([]string, 0, len(b.subs))
	for full := range b.subs {
		chans = append(chans, full)
	}
	b.ps = b.client.Subscribe(b.ctx)
	ps := b.ps
	b.mu.Unlock()
	_ = old.Close()
	_ = ps.Subscribe(b.ctx, chans...) // a failure is retried by receiveLoop
}

func (b *RedisBus) pubsub() *redis.PubSub {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ps
}

// sleep waits d unless the bus closes first; it reports whether to go on.
func (b *RedisBus) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-b.done:
		return false
	case <-t.C:
		return true
	}
}
