package fanout

import (
	"time"
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
			b.pub.close()
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

// flush publishes batch in one round trip and returns its buffers to the
// pool.
func (b *RedisBus) flush(batch []outMsg) {
	p := b.pub
	cmds := p.cmds[:0]
	for _, m := range batch {
		cmds = append(cmds, m.t.next(b.ctx, b.mode, m.buf.B))
	}
	p.cmds = cmds
	start := time.Now()
	err := p.exec(b.ctx, cmds, start)
	if f := b.cfg.OnRoundTrip; f != nil {
		f("publish", time.Since(start))
	}
	failed, unheard := 0, 0
	for i, c := range cmds {
		switch n, cerr := c.(*pubCmd).Result(); {
		case cerr != nil:
			failed++
		case batch[i].t.node && n == 0:
			unheard++ // Redis says nobody received it
		}
	}
	b.stats.published.Add(uint64(len(batch) - failed))
	b.stats.droppedTransport.Add(uint64(failed))
	b.stats.droppedNoReceiver.Add(uint64(unheard))
	if err != nil {
		b.cfg.Outage.Failed("publish", err, "redis", b.addr, "lost", failed)
		b.reloadState() // a dead or moved shard: learn the new slot map
	} else {
		b.cfg.Outage.Succeeded("publish")
	}
	for i := range batch {
		batch[i].t.release()
		putBuf(batch[i].buf)
		batch[i] = outMsg{}
	}
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
