package fanout

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/redis/go-redis/v9"
)

// errSlotMoved: the server ended a sharded subscription by itself, which it
// does when the channel's slot moves to another shard.
var errSlotMoved = errors.New("the server ended the sharded subscription: its slot moved to another shard")

// receiveLoop owns one subscription connection: it reads, dispatches,
// keeps the connection alive and reconnects with backoff until Close. On a
// cluster it also follows the channel to its shard's new master after a
// failover or a slot migration: go-redis redials the shard it knew, so the
// loop reloads the slot map and renews the subscription itself.
func (c *subConn) receiveLoop() {
	b := c.b
	if len(c.first) > 0 {
		_ = b.mode.subscribe(b.ctx, c.ps, c.first...) // recorded even when it fails: retried below
	}
	wait := b.cfg.ReconnectMin
	pinged := false
	for !b.closed() {
		msg, err := c.ps.ReceiveTimeout(b.ctx, b.cfg.IdlePing)
		switch {
		case err == nil:
			pinged = false
			switch c.handle(msg) {
			case replyConfirmed:
				wait = b.cfg.ReconnectMin
			case replyDropped:
				c.lost(errSlotMoved, 0)
				c.renew()
			}
		case b.closed():
			return
		case isTimeout(err) && !pinged:
			pinged = true
			if err := c.ps.Ping(b.ctx); err != nil {
				c.lost(err, wait)
			}
		case isTimeout(err):
			pinged = false
			c.lost(errors.New("subscription connection silent: no reply to PING"), wait)
			c.renew()
		default:
			c.lost(err, wait)
			if !b.sleep(wait) {
				return
			}
			wait = min(2*wait, b.cfg.ReconnectMax)
			if b.mode.sharded {
				c.renew() // the shard may have a new master, or the reply was MOVED
			}
		}
	}
}

type replyKind int

const (
	replyOther replyKind = iota
	replyConfirmed
	replyDropped
)

// handle processes one pub/sub reply.
func (c *subConn) handle(msg any) replyKind {
	switch m := msg.(type) {
	case *redis.Message:
		c.b.deliver(m)
	case *redis.Subscription:
		switch {
		case c.b.mode.confirms(m.Kind):
			c.confirm(m.Channel)
			return replyConfirmed
		case c.b.mode.dropped(m.Kind):
			return replyDropped
		}
	}
	return replyOther
}

// deliver hands a message to its channel's handler, one handler at a time
// across the bus's connections. The payload string is viewed as bytes
// without a copy; handlers only read it. On one server a single
// receiveLoop delivers everything, which already makes handlers run one
// at a time; only cluster mode, a loop per channel, needs dispMu.
func (b *RedisBus) deliver(m *redis.Message) {
	s := (*b.routes.Load())[m.Channel]
	if s == nil {
		return
	}
	var h Handler
	if p := s.h.Load(); p != nil {
		h = *p
	}
	msg := unsafe.Slice(unsafe.StringData(m.Payload), len(m.Payload))
	if !b.mode.sharded {
		b.disp.dispatch(s.ch, h, msg)
		return
	}
	b.dispMu.Lock()
	b.disp.dispatch(s.ch, h, msg)
	b.dispMu.Unlock()
}

// confirm marks a channel subscribed. When every channel of this
// connection is, after a loss, the resubscription is counted and logged;
// when every channel of the bus is, the bus is connected.
func (c *subConn) confirm(full string) {
	b := c.b
	b.mu.Lock()
	s := b.subs[full]
	if s == nil || s.conn != c {
		b.mu.Unlock()
		return
	}
	s.confirmed = true
	s.readyOnce.Do(func() { close(s.ready) })
	connUp, all := true, true
	for _, x := range b.subs {
		all = all && x.confirmed
		if x.conn == c {
			connUp = connUp && x.confirmed
		}
	}
	restored := connUp && !c.up && c.everUp
	if connUp {
		c.up, c.everUp = true, true
	}
	came := all && !b.connected
	if came {
		b.connected, b.everUp, b.lastErr = true, true, nil
	}
	b.mu.Unlock()
	if restored {
		b.stats.reconnects.Add(1)
		b.cfg.Logger.Debug("fanout: redis subscription restored", "redis", b.addr, "channel", full, "shard", b.shardOf(full))
	}
	if came {
		b.cfg.Outage.Succeeded("subscription")
		b.probe.poke()
	}
}

// lost records a broken subscription and reports it to the outage log,
// which logs the outage's start and then a summary at a bounded rate.
func (c *subConn) lost(err error, retry time.Duration) {
	b := c.b
	b.mu.Lock()
	var first string
	for full, s := range b.subs {
		if s.conn == c {
			s.confirmed = false
			first = full
		}
	}
	c.up = false
	b.connected, b.lastErr = false, fmt.Errorf("fanout: redis %s: %w", b.addr, err)
	b.mu.Unlock()
	b.reloadState()
	b.cfg.Outage.Failed("subscription", err, "redis", b.addr, "channel", first, "retry_in", retry)
}

// renew replaces the connection with a fresh one that subscribes every
// channel it carried: after silence, or on a cluster after a failure, so
// that go-redis picks the shard's current master from the slot map.
func (c *subConn) renew() {
	b := c.b
	b.mu.Lock()
	if b.closed() {
		b.mu.Unlock()
		return
	}
	old := c.ps
	chans := make([]string, 0, 1)
	for full, s := range b.subs {
		if s.conn == c {
			chans = append(chans, full)
		}
	}
	c.ps = b.mode.newPubSub(b.ctx, b.client)
	ps := c.ps
	b.mu.Unlock()
	_ = old.Close()
	_ = b.mode.subscribe(b.ctx, ps, chans...) // a failure is retried by receiveLoop
}
