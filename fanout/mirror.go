package fanout

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
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
	co   *coalescer // toward home; nil when coalescing is off

	mu      sync.Mutex
	pm      *proxy.Mirror // nil while dialing
	dialing bool
	gate    bool        // a written packet waits for the backend (see drainLocked)
	gated   atomic.Bool // gate, readable without mu on the relay path
	// gateConnect: the gate waits for a CONNECT answer; gateSeq: the
	// sequence number to ack when it opens (0: none).
	gateConnect bool
	gateSeq     uint64
	// gateAck, gateNS: the ack id and namespace of the membership packet
	// the gate waits for (NoID: it asked for no ack). Its ack is the
	// backend saying it handled the packet, sooner than MirrorSettle.
	gateAck int64
	gateNS  []byte
	gateHdr socketio.Header // scratch for drainLocked, under mu
	// refused: namespaces whose CONNECT this backend refused, each until
	// home's DISCONNECT of it says home refused too, or its timer decides
	// that home accepted (see refusedConnect).
	refused map[string]*time.Timer
	settleT *time.Timer
	closing bool         // close once the queue is written
	queue   []queuedUnit // units waiting for the dial or the gate
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
	if c.cfg.CoalesceWindow >= 0 {
		m.co = c.co[home]
		if m.co == nil {
			m.co = newCoalescer(c, home)
			c.co[home] = m.co
		}
	}
	c.mirrors[key] = m
	return m
}

// queuedUnit is a unit to write to the mirror and, when seq is not 0, the
// membership packet to ack once it is written.
type queuedUnit struct {
	enc []byte
	seq uint64
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
		var acks []uint64
		for _, q := range m.queue {
			acks = append(acks, q.seq)
		}
		m.queue = nil
		m.mu.Unlock()
		if pm != nil {
			pm.Close()
		}
		if err != nil {
			m.c.stats.dialFailures.Add(1)
			m.c.log.Warn("fanout: mirror not opened", "home", m.home, "session", string(m.sid), "err", err)
			if proxy.BackendUnreachable(err) {
				m.c.backendLost()
			}
		}
		m.c.dropMirror(m)
		m.ackAll(append(acks, ack)) // a peer that cannot mirror must not stall the barrier
		return
	}
	m.pm, m.dialing = pm, false
	if m.queueAcksPast(ack) {
		// A membership packet came while dialing (in a connect storm the
		// client's CONNECT usually does). Its ack, sent once it is
		// written, covers this one: acks are cumulative, and home, which
		// published it after this one, waits for it or takes it for this
		// one. Acking this one too would only cost a bus message.
		ack = 0
	}
	first := make([]queuedUnit, 0, len(units)+len(m.queue))
	for _, u := range units {
		first = append(first, queuedUnit{enc: u})
	}
	m.queue = append(first, m.queue...)
	acks := m.drainLocked(nil)
	m.mu.Unlock()
	m.ackAll(append(acks, ack))
}

// queueAcksPast reports whether the queue holds a membership packet after
// seq: one that will be acked when written, an ack that covers seq. m.mu
// is held.
func (m *mirror) queueAcksPast(seq uint64) bool {
	for _, q := range m.queue {
		if q.seq > seq {
			return true
		}
	}
	return false
}

func (m *mirror) ackAll(seqs []uint64) {
	for _, s := range seqs {
		if s != 0 {
			m.c.sendControl(m.home, KindBarrierAck, m.sid, s, nil)
		}
	}
	m.c.mirrorSettled()
}

// drainLocked writes queued units until the mirror must wait: while it
// dials; after a Socket.IO CONNECT until the backend answered it (the
// backend's namespace middleware runs asynchronously, and a packet that
// overtakes the answer makes it drop the connection); and after a
// membership packet until the backend acked it, when the packet asked for
// an ack, or else MirrorSettle passed. Only then is the packet acked: "written"
// comes as close to "processed" as the backend lets it be seen (any other
// frame proves nothing: a welcome sent on connect may still be on its way,
// and a MIRROR_EVENT_REPLY event comes before what the same handler then
// sends the room's other members, whose backends' notices would race the
// client's next message).
// It returns the sequence numbers to ack outside the lock.
func (m *mirror) drainLocked(acks []uint64) []uint64 {
	for len(m.queue) > 0 && !m.dialing && !m.gate && !m.closed {
		q := m.queue[0]
		m.queue = m.queue[1:]
		var u proxy.Unit
		if decodeUnit(q.enc, &u) != nil {
			continue
		}
		_ = m.pm.Write(u)
		if len(m.refused) > 0 {
			m.homeLeftLocked(u)
		}
		connect := m.c.ev.protocol == proxy.ProtocolSocketIO && len(u.Parts[0]) >= 2 && string(u.Parts[0][:2]) == "40"
		if !connect && q.seq == 0 {
			continue
		}
		m.gate, m.gateConnect, m.gateSeq = true, connect, q.seq
		m.gated.Store(true)
		m.gateAck = socketio.NoID
		if !connect && m.c.ev.protocol == proxy.ProtocolSocketIO {
			info := m.c.ev.classify(u, &m.gateHdr)
			m.gateAck, m.gateNS = info.ackID, append(m.gateNS[:0], info.ns...)
		}
		if !connect {
			// A packet that asked for an ack is handled when the backend
			// acks it: wait for that (ReplyTimeout at most), not for
			// MirrorSettle, which a loaded backend can outlast — the
			// barrier would then let the client go on before this backend
			// handled its join. Without an ack, MirrorSettle is all there
			// is.
			wait, seq, asked := m.c.cfg.MirrorSettle, q.seq, m.gateAck != socketio.NoID
			if asked {
				wait = m.c.cfg.ReplyTimeout
			}
			m.settleT = time.AfterFunc(wait, func() { m.gateTimedOut(seq, asked) })
		}
	}
	if len(m.queue) == 0 {
		m.queue = nil
		if m.closing && !m.closed && m.pm != nil {
			m.closed = true
			m.pm.Close()
		}
	}
	return acks
}

// push queues one unit and writes what may be written.
func (m *mirror) push(enc []byte, seq uint64) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.queue = append(m.queue, queuedUnit{enc: bytes.Clone(enc), seq: seq})
	acks := m.drainLocked(nil)
	m.mu.Unlock()
	m.ackAll(acks)
}

// connected: the backend answered the CONNECT; the gate opens.
func (m *mirror) connected() { m.openGate(true) }

// opened: the backend answered a membership packet, or the settle time
// passed; the gate opens unless it waits for a CONNECT answer.
func (m *mirror) opened() { m.openGate(false) }

// gateTimedOut: the backend did not answer membership packet seq in time
// (MirrorSettle; ReplyTimeout when it asked for an ack). The gate opens and
// the packet is taken as handled, which nothing proved: counted.
func (m *mirror) gateTimedOut(seq uint64, asked bool) {
	m.mu.Lock()
	current := m.gate && !m.gateConnect && m.gateSeq == seq
	m.mu.Unlock()
	if !current {
		return // answered meanwhile; the gate may wait for a later packet
	}
	if asked {
		m.c.stats.mirrorAckTimeouts.Add(1)
	} else {
		m.c.stats.settledUnconfirmed.Add(1)
	}
	m.opened()
}

// acked: the backend acked packet id in namespace ns. When that is the
// membership packet the gate waits for, the backend has handled it and the
// gate opens without waiting for MirrorSettle.
func (m *mirror) acked(id int64, ns []byte) {
	m.mu.Lock()
	match := m.gate && !m.gateConnect && id != socketio.NoID && id == m.gateAck && bytes.Equal(ns, m.gateNS)
	m.mu.Unlock()
	if match {
		m.opened()
	}
}

func (m *mirror) openGate(connectAnswer bool) {
	m.mu.Lock()
	if !m.gate || (m.gateConnect && !connectAnswer) {
		m.mu.Unlock()
		return
	}
	m.gate = false
	m.gated.Store(false)
	if m.settleT != nil {
		m.settleT.Stop()
		m.settleT = nil
	}
	acks := m.drainLocked([]uint64{m.gateSeq})
	m.mu.Unlock()
	m.ackAll(acks)
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
		last := m.lastSeq
		m.mu.Unlock()
		m.c.log.Debug("fanout: sequence gap at a mirror; asking for a resync", "home", m.home,
			"session", string(m.sid), "seq", seq, "last", last)
		m.c.stats.gaps.Add(1)
		m.c.sendControl(m.home, KindResyncRequest, m.sid, seq, nil)
		return
	}
	m.lastSeq = seq
	m.mu.Unlock()
	m.push(enc, seq)
}

// close ends the mirror now; its backend sees the client leave.
func (m *mirror) close() {
	m.mu.Lock()
	m.closed = true
	pm := m.pm
	m.mu.Unlock()
	if pm != nil {
		pm.Close()
	}
}

// closeAfterQueue ends the mirror once what is queued is written (the
// session closed at home right behind its last packets, while this mirror
// still dialed or waited for its CONNECT answer), or after DialTimeout.
func (m *mirror) closeAfterQueue() {
	m.mu.Lock()
	if m.closed || len(m.queue) == 0 || (!m.dialing && !m.gate) {
		m.mu.Unlock()
		m.close()
		return
	}
	m.closing = true
	m.mu.Unlock()
	time.AfterFunc(m.c.cfg.DialTimeout, m.close)
}

// MirrorUnit implements proxy.MirrorHandler: what the backend sends to the
// mirror goes home, except replies to replayed packets and echo events.
func (m *mirror) MirrorUnit(u proxy.Unit) {
	info := m.c.ev.classify(u, &m.hdr)
	switch info.kind {
	case unitConnect:
		m.c.stats.droppedReplies.Add(1)
		m.connected()
		return
	case unitAck:
		m.c.stats.droppedReplies.Add(1)
		if m.gated.Load() {
			m.acked(info.ackID, info.ns)
		}
		return
	case unitConnectError:
		m.refusedConnect(info.ns) // before the gate opens on what home sent next
		m.connected()
		return
	case unitDisconnect:
		if m.co != nil {
			m.co.flush() // the kick must not overtake the frames before it
		}
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
	if m.co != nil {
		m.co.add(m.sid, u)
		return
	}
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

// MirrorClosed implements proxy.MirrorHandler: the backend ended the
// mirror. On a WebSocket backend a close frame other than "going away" is
// the server disconnecting that client — a kick, which ends the client's
// session at home as it would on one node. A lost connection or a backend
// shutting down is not.
func (m *mirror) MirrorClosed(code ws.StatusCode) {
	m.c.log.Debug("fanout: mirror ended by its backend", "home", m.home, "session", string(m.sid), "code", int(code))
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.c.dropMirror(m)
	if lostBackend(code) {
		m.c.backendLost()
	}
	if m.c.ev.protocol == proxy.ProtocolWebSocket && code != 0 && code != ws.StatusGoingAway {
		if m.co != nil {
			m.co.flush()
		}
		m.c.sendControl(m.home, KindKick, m.sid, 0, nil)
	}
}
