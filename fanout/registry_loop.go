package fanout

import (
	"context"
	"time"
)

// loop is the registry goroutine: heartbeats, polls, announcements.
func (r *Registry) loop() {
	defer close(r.stopped)
	beat := time.NewTicker(r.cfg.HeartbeatInterval)
	defer beat.Stop()
	poll := time.NewTicker(r.cfg.PollInterval)
	defer poll.Stop()
	r.poll()
	for {
		select {
		case <-r.done:
			return
		case <-beat.C:
			r.beat()
		case <-poll.C:
			r.poll()
		case msg := <-r.announce:
			r.announced(msg)
		}
	}
}

// beat refreshes this node's record.
func (r *Registry) beat() {
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.HeartbeatInterval)
	defer cancel()
	if err := r.bus.PutPresence(ctx, r.bus.NodeID(), r.record, r.cfg.TTL); err != nil {
		r.cfg.Outage.Failed("heartbeat", err)
		return
	}
	r.cfg.Outage.Succeeded("heartbeat")
	r.stored = true
}

// poll lists the live records and reconciles the peer table with them.
func (r *Registry) poll() {
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.PollInterval+r.cfg.HeartbeatInterval)
	defer cancel()
	live := make(map[string]record)
	var env Envelope
	self := false
	err := r.bus.ListPresence(ctx, func(id string, record []byte) {
		if id == r.bus.NodeID() {
			self = true
			return
		}
		if err := env.Decode(record); err != nil || env.Kind != KindHeartbeat || string(env.Sender) != id {
			r.cfg.Logger.Warn("fanout: ignoring unreadable presence record", "node", id, "err", err)
			return
		}
		live[id] = readRecord(&env)
	})
	if err != nil {
		// Without a listing nothing is known to have died: keep the table.
		r.cfg.Outage.Failed("peer listing", err)
		return
	}
	r.cfg.Outage.Succeeded("peer listing")
	r.expire(live)
	r.forgetRefused(live)
	for _, rec := range live {
		r.seen(rec, "heartbeat")
	}
	if !self && r.stored {
		r.lapsed()
	}
}

// expire declares dead the known peers that stayed absent from listings
// for a HeartbeatInterval. A record expires only after TTL, so absence
// normally means death; but a Redis restarted without its data lists no
// one until each node beats again, and that must not drop every mirror.
func (r *Registry) expire(live map[string]record) {
	now := time.Now()
	for id, p := range r.snapshot() {
		if _, ok := live[id]; ok {
			delete(r.missing, id)
			continue
		}
		since, seen := r.missing[id]
		if !seen {
			r.missing[id] = now
			continue
		}
		if now.Sub(since) >= r.cfg.HeartbeatInterval {
			delete(r.missing, id)
			r.down(p, "expired")
		}
	}
}

// lapsed restores this node's record after it expired and tells the node.
func (r *Registry) lapsed() {
	r.cfg.Logger.Warn("fanout: this node's registry record had expired; peers took it for dead; registering again")
	r.stored = false
	r.beat()
	r.publish(r.record)
	self := Peer{ID: r.bus.NodeID(), Epoch: r.bus.Epoch(), Address: r.cfg.Address}
	r.cfg.OnChange(PeerEvent{Kind: SelfLapsed, Peer: self, Reason: "record lost"})
}

// onAnnouncement runs on the bus's delivery goroutine: it copies the
// envelope and hands it to the loop without blocking.
func (r *Registry) onAnnouncement(env *Envelope) {
	if string(env.Sender) == r.bus.NodeID() {
		return
	}
	select {
	case r.announce <- append([]byte(nil), env.Raw...):
	default:
	}
}

// announced applies an arrival or departure from the cluster channel.
func (r *Registry) announced(msg []byte) {
	var env Envelope
	if env.Decode(msg) != nil {
		return
	}
	rec := readRecord(&env)
	switch env.Kind {
	case KindHeartbeat:
		r.seen(rec, "announced")
	case KindLeave:
		if old, ok := r.Peer(rec.peer.ID); ok && old.Epoch == rec.peer.Epoch {
			r.down(old, "left")
		}
		r.forget(rec.peer.ID)
	}
}

// up records p; a known id with another epoch is a restart.
func (r *Registry) up(p Peer, reason string) {
	old, known := r.Peer(p.ID)
	switch {
	case known && old.Epoch == p.Epoch:
		if old.Address != p.Address {
			r.set(p)
		}
		return
	case known && p.Epoch < old.Epoch:
		return // a stale record or announcement of an earlier boot
	case known:
		r.down(old, "restarted")
	}
	r.set(p)
	r.cfg.OnChange(PeerEvent{Kind: PeerUp, Peer: p, Reason: reason})
}

func (r *Registry) down(p Peer, reason string) {
	delete(r.missing, p.ID)
	r.mu.Lock()
	delete(r.peers, p.ID)
	delete(r.mismatches, p.ID)
	delete(r.reported, p.ID)
	r.mu.Unlock()
	r.cfg.OnChange(PeerEvent{Kind: PeerDown, Peer: p, Reason: reason})
}

func (r *Registry) set(p Peer) {
	r.mu.Lock()
	r.peers[p.ID] = p
	r.mu.Unlock()
}

func (r *Registry) snapshot() map[string]Peer {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make(map[string]Peer, len(r.peers))
	for id, p := range r.peers {
		out[id] = p
	}
	return out
}
