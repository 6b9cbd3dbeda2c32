package fanout

import (
	"context"
	"time"

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
		cmds[i] = b.mode.publish(ctx, pipe, m.ch, m.buf.B)
	}
	start := time.Now()
	_, err := pipe.Exec(ctx)
	cancel()
	if f := b.cfg.OnRoundTrip; f != nil {
		f("publish", time.Since(start))
	}
	failed, unheard := 0, 0
	for i, c := range cmds {
		switch {
		case c.Err() != nil:
			failed++
		case batch[i].node && c.Val() == 0:
			unheard++ // Redis says nobody received it
		}
	}
	b.stats.published.Add(uint64(len(batch) - failed))
	b.stats.droppedTransport.Add(uint64(failed))
	b.stats.droppedNoReceiver.Add(uint64(unheard))
	if err != nil {
		b.publishFailed(failed, err)
		b.reloadState() // a dead or moved shard: learn the new slot map
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
