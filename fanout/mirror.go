package fanout

import (
	"bytes"
	"context"
	"sync"

	"github.com/valyala/bytebufferpool"

	"github.com/sidecast/sidecast/proxy"
	"github.com/sidecast/sidecast/proxy/socketio"
)

// mirror is this node's upstream session for a client whose home is
// another node. Control envelopes arrive on the bus's delivery goroutine;
// the dial runs on its own goroutine (owned by the Cluster's wg); units
// from the backend arrive on the worker serving the mirror's leg, which
// alone uses hdr, buf and rseq. mu guards the rest.
type mirror struct {
	c    *Cluster
	key  string // home + "/" + session id
	home string
	ch   Channel // NodeChannel(home), built once
	sid  []byte

	mu      sync.Mutex
	pm      *proxy.Mirror // nil while dialing
	dialing bool
	pending [][]byte // encoded units to write once dialed
	acks    []uint64 // sequence numbers to ack once they are written
	lastSeq uint64
	closed  bool

	hdr  socketio.Header
	buf  []byte
	rseq uint64
}

var _ proxy.MirrorHandler = (*mirror)(nil)

// newMirrorLocked registers a mirror being dialed; c.mu is held.
func (c *Cluster) newMirrorLocked(key, home string, sid []byte, seq uint64) *mirror {
	m := &mirror{c: c, key: key, home: home, ch: NodeChannel(home), sid: bytes.Clone(sid), lastSeq: seq, dialing: true}
	c.mirrors[key] = m
	return m
}

// open dials the mirror and writes units (a snapshot's log) and what came
// while dialing, acking each membership packet once written. It runs on
// its own goroutine.
func (m *mirror) open(hs proxy.Handshake, units [][]byte, ack uint64) {
	defer m.c.wg.Done()
	ctx, cancel := context.WithTimeout(m.c.ctx, m.c.cfg.DialTimeout)
	defer cancel()
	pm, err := m.c.px.DialMirror(ctx, hs, m.home, m)
	m.mu.Lock()
	if err != nil || m.closed {
		m.closed = true
		acks := m.acks
		m.mu.Unlock()
		if pm != nil {
			pm.Close()
		}
		if err != nil {
			m.c.stats.dialFailures.Add(1)
			m.c.log.Warn("fanout: mirror not opened", "home", m.home, "session", string(m.sid), "err", err)
		}
		m.c.dropMirror(m)
		m.ackAll(ack, acks) // a peer that cannot mirror must not stall the barrier
		return
	}
	m.pm, m.dialing = pm, false
	for _, u := range append(units, m.pending...) {
		m.writeLocked(u)
	}
	acks := m.acks
	m.pending, m.acks = nil, nil
	m.mu.Unlock()
	m.ackAll(ack, acks)
}

func (m *mirror) ackAll(first uint64, rest []uint64) {
	if first != 0 {
		m.c.sendControl(m.home, KindBarrierAck, m.sid, first, nil)
	}
	for _, s := range rest {
		m.c.sendControl(m.home, KindBarrierAck, m.sid, s, nil)
	}
}

func (m *mirror) writeLocked(enc []byte) {
	var u proxy.Unit
	if decodeUnit(enc, &u) == nil {
		_ = m.pm.Write(u)
	}
}

// apply writes one membership packet (sequence seq) and acks it, or asks
// home for a resync when a packet was lost.
func (m *mirror) apply(seq uint64, enc []byte) {
	m.mu.Lock()
	switch {
	case m.closed || seq <= m.lastSeq:
		m.mu.Unlock()
		return
	case seq != m.lastSeq+1:
		m.mu.Unlock()
		m.c.stats.gaps.Add(1)
		m.c.sendControl(m.home, KindResyncRequest, m.sid, seq, nil)
		return
	}
	m.lastSeq = seq
	if m.dialing {
		m.pending = append(m.pending, bytes.Clone(enc))
		m.acks = append(m.acks, seq)
		m.mu.Unlock()
		return
	}
	m.writeLocked(enc)
	m.mu.Unlock()
	m.c.sendControl(m.home, KindBarrierAck, m.sid, seq, nil)
}

// close ends the mirror; its backend sees the client leave.
func (m *mirror) close() {
	m.mu.Lock()
	m.closed = true
	pm := m.pm
	m.mu.Unlock()
	if pm != nil {
		pm.Close()
	}
}

// MirrorUnit implements proxy.MirrorHandler: what the backend sends to the
// mirror goes home, except replies to replayed packets and echo events.
func (m *mirror) MirrorUnit(u proxy.Unit) {
	info := m.c.ev.classify(u, &m.hdr)
	switch info.kind {
	case unitConnect, unitAck:
		m.c.stats.droppedReplies.Add(1)
		return
	case unitConnectError:
		m.c.stats.refused.Add(1)
		m.c.stats.diverged.Add(1)
		m.c.log.Warn("fanout: backend refused a mirror's CONNECT that home accepted", "home", m.home,
			"session", string(m.sid), "namespace", string(info.ns))
		return
	case unitDisconnect:
		m.c.sendControl(m.home, KindKick, m.sid, 0, info.ns)
		return
	}
	if m.c.ev.isLocal(&info) {
		m.c.stats.droppedLocal.Add(1)
		return
	}
	m.relay(u)
}

// relay publishes one unit to the session's home. It allocates nothing in
// steady state: the payload and envelope buffers are reused.
func (m *mirror) relay(u proxy.Unit) {
	m.buf = appendUnit(m.buf[:0], u)
	m.rseq++
	env := Envelope{Kind: KindFrame, Sender: m.c.self, Epoch: m.c.bus.Epoch(), Session: m.sid, Seq: m.rseq, Payload: m.buf}
	bb := bytebufferpool.Get()
	var err error
	if bb.B, err = env.Append(bb.B[:0]); err == nil {
		err = m.c.bus.Publish(m.ch, bb.B)
	}
	putBuf(bb)
	if err != nil {
		m.c.stats.controlDropped.Add(1)
		return
	}
	m.c.stats.relayed.Add(1)
}

// MirrorClosed implements proxy.MirrorHandler: the backend ended the mirror.
func (m *mirror) MirrorClosed() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.c.dropMirror(m)
}
