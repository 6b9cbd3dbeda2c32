package fanout

import "bytes"

// handle receives this node's channel; it runs on the bus's delivery
// goroutine, which alone uses busUnit and busHdr.
func (c *Cluster) handle(env *Envelope) {
	if bytes.Equal(env.Sender, c.self) {
		return
	}
	c.answered(env.Sender)
	switch env.Kind {
	case KindSnapshot:
		if len(env.Session) == 0 {
			c.syncDone(string(env.Sender)) // the end mark (cluster_sync.go)
			return
		}
		c.onOpen(env)
	case KindHandshake:
		c.onOpen(env)
	case KindConnect, KindDisconnect, KindReplay:
		c.onMember(env)
	case KindSessionClose:
		if m := c.takeMirror(mirrorKey(env.Sender, env.Session)); m != nil {
			m.closeAfterQueue()
		}
	case KindBarrierAck:
		if h := c.homeOf(env.Session); h != nil {
			h.onAck(env.Sender, env.Seq)
		}
	case KindFrame:
		c.onFrame(env)
	case KindKick:
		if h := c.homeOf(env.Session); h != nil {
			h.onKick(env.Payload)
		}
	case KindAck:
		c.mu.Lock()
		m := c.mirrors[mirrorKey(env.Sender, env.Session)]
		c.mu.Unlock()
		if m != nil {
			m.onAck(env.Payload)
		}
	case KindResyncRequest:
		if h := c.homeOf(env.Session); h != nil {
			h.sendSnapshot(string(env.Sender))
		}
	case KindSnapshotRequest:
		c.sendSnapshots(string(env.Sender))
		if bytes.Equal(env.Payload, snapshotSync) {
			c.sendControl(string(env.Sender), KindSnapshot, nil, 0, nil)
		}
	}
}

// handleMembers receives the members channel; it runs on the bus's
// delivery goroutine. Another node's control goes where its node channel's
// would; this node's own comes back to its home session, which writes the
// packet to its backend now: at the same point of the one order at which
// every other node writes it to its mirror.
func (c *Cluster) handleMembers(env *Envelope) {
	if !bytes.Equal(env.Sender, c.self) {
		c.handle(env)
		return
	}
	if env.Epoch != c.bus.Epoch() {
		return // a previous run of this node
	}
	if h := c.homeOf(env.Session); h != nil {
		h.onOwnCopy(env.Seq)
	}
}

func mirrorKey(home, sid []byte) string { return string(home) + "/" + string(sid) }

func (c *Cluster) homeOf(sid []byte) *homeSession {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.homes[string(sid)]
}

func (c *Cluster) forgetHome(h *homeSession) {
	c.mu.Lock()
	delete(c.homes, string(h.id))
	c.mu.Unlock()
}

func (c *Cluster) takeMirror(key string) *mirror {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.mirrors[key]
	delete(c.mirrors, key)
	return m
}

// dropMirror forgets m unless another mirror replaced it.
func (c *Cluster) dropMirror(m *mirror) {
	c.mu.Lock()
	if c.mirrors[m.key] == m {
		delete(c.mirrors, m.key)
	}
	c.mu.Unlock()
}

func (c *Cluster) markMissed(peer string) {
	c.mu.Lock()
	c.missed[peer] = true
	c.mu.Unlock()
}

// onOpen opens a mirror from a handshake, or rebuilds one from a snapshot
// unless the mirror is already in step with it.
func (c *Cluster) onOpen(env *Envelope) {
	hsb, units := env.Payload, [][]byte(nil)
	if env.Kind == KindSnapshot {
		var err error
		if hsb, units, err = decodeSnapshot(env.Payload); err != nil {
			c.log.Warn("fanout: bad snapshot", "from", string(env.Sender), "err", err)
			return
		}
	}
	hs, err := decodeHandshake(hsb)
	if err != nil {
		c.log.Warn("fanout: bad handshake", "from", string(env.Sender), "err", err)
		return
	}
	key := mirrorKey(env.Sender, env.Session)
	c.mu.Lock()
	old := c.mirrors[key]
	if c.closed || (old != nil && (env.Kind == KindHandshake || old.seq() >= env.Seq)) {
		c.mu.Unlock()
		return
	}
	m := c.newMirrorLocked(key, string(env.Sender), env.Session, env.Seq)
	c.wg.Add(1)
	c.mu.Unlock()
	if old != nil {
		c.stats.resyncs.Add(1)
		old.close()
	}
	for i, u := range units {
		units[i] = bytes.Clone(u)
	}
	go m.open(hs, units, env.Seq)
}

func (m *mirror) seq() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lastSeq
}

// onMember applies a replayed membership packet to its mirror; a packet
// for a mirror this node does not have means it missed the handshake.
func (c *Cluster) onMember(env *Envelope) {
	c.mu.Lock()
	m := c.mirrors[mirrorKey(env.Sender, env.Session)]
	c.mu.Unlock()
	if m == nil {
		c.log.Debug("fanout: membership packet for a mirror this node does not have; asking for a resync",
			"home", string(env.Sender), "session", string(env.Session), "kind", env.Kind.String(), "seq", env.Seq)
		c.stats.gaps.Add(1)
		c.sendControl(string(env.Sender), KindResyncRequest, env.Session, env.Seq, nil)
		return
	}
	m.apply(env.Seq, env.Payload)
}

// onFrame delivers a relayed frame to its home session (or each of its
// recipients when it was coalesced).
func (c *Cluster) onFrame(env *Envelope) {
	if err := decodeUnit(env.Payload, &c.busUnit); err != nil {
		return
	}
	if env.Recipients.Len() == 0 {
		if h := c.homeOf(env.Session); h != nil {
			h.onFrame(env.Sender, c.busUnit, env.Payload, &c.busHdr)
		}
		return
	}
	for id, rest, ok := env.Recipients.Next(); ok; id, rest, ok = rest.Next() {
		if h := c.homeOf(id); h != nil {
			h.onFrame(env.Sender, c.busUnit, env.Payload, &c.busHdr)
		}
	}
}

// sendSnapshots answers a late or lapsed peer with every live session.
func (c *Cluster) sendSnapshots(peer string) {
	for _, h := range c.homeList() {
		h.sendSnapshot(peer)
	}
}

// homeList returns the sessions whose home is this node, so that callers
// can take each one's lock without holding Cluster.mu.
func (c *Cluster) homeList() []*homeSession {
	c.mu.Lock()
	defer c.mu.Unlock()
	homes := make([]*homeSession, 0, len(c.homes))
	for _, h := range c.homes {
		homes = append(homes, h)
	}
	return homes
}

// peerDown closes the mirrors of a dead peer's sessions and stops waiting
// for it in every barrier.
func (c *Cluster) peerDown(id string) {
	defer c.peerLeftSync(id)
	prefix := id + "/"
	var gone []*mirror
	c.mu.Lock()
	for k, m := range c.mirrors {
		if len(k) > len(prefix) && k[:len(prefix)] == prefix {
			gone = append(gone, m)
			delete(c.mirrors, k)
		}
	}
	delete(c.missed, id)
	co := c.co[id]
	delete(c.co, id)
	homes := make([]*homeSession, 0, len(c.homes))
	for _, h := range c.homes {
		homes = append(homes, h)
	}
	c.mu.Unlock()
	for _, m := range gone {
		m.close()
	}
	if co != nil {
		co.close()
	}
	for _, h := range homes {
		h.peerGone(id)
	}
}

// selfLapsed: peers took this node for dead and closed its sessions'
// mirrors; its own mirrors may be stale. Drop them and ask for snapshots.
func (c *Cluster) selfLapsed() {
	c.mu.Lock()
	ms := c.mirrors
	c.mirrors = make(map[string]*mirror)
	c.mu.Unlock()
	for _, m := range ms {
		m.close()
	}
	for _, p := range c.reg.Peers() {
		c.sendControl(p.ID, KindSnapshotRequest, nil, 0, nil)
		c.sendSnapshots(p.ID)
	}
}
