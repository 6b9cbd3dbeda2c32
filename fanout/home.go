package fanout

import (
	"bytes"
	"sync"
	"time"

	"github.com/sidecast/sidecast/proxy"
	"github.com/sidecast/sidecast/proxy/socketio"
)

// homeSession is the fan-out's side of one client session whose home is
// this node. FromClient runs on the goroutine relaying the client,
// FromBackend on the one relaying the home backend; bus handlers and timers
// come from the bus's delivery goroutine and time.AfterFunc. mu guards all
// of the state below it; lock order is mu, then Cluster.mu, then a proxy
// leg's locks (through Home).
type homeSession struct {
	c    *Cluster
	id   []byte
	home proxy.Home
	hs   []byte // encoded handshake, sent with snapshots

	hdrIn, hdrOut socketio.Header // scratch of FromClient and FromBackend

	mu         sync.Mutex
	seq        uint64          // last control sequence number published
	log        []logEntry      // membership log, for resyncs and snapshots
	logFull    bool            // MaxLog reached: warned once
	waiting    map[string]bool // barrier: peers yet to ack barrierSeq
	barrierSeq uint64
	hsBarrier  bool // the open barrier is the handshake's (publishEarlyLocked)
	// appliedEarly: the home backend got the packet the open barrier is
	// about (onOwnCopy) before every peer wrote it; what it sends the
	// client meanwhile waits for the barrier.
	appliedEarly bool
	barrierT     *time.Timer
	heldIn       []heldUnit // client units behind a barrier or a grace
	heldBytes    int        // encoded bytes in heldIn
	outBytes     int        // encoded bytes in heldOut
	graceT       *time.Timer
	await        awaitReply // the home backend's answer relayed frames wait for
	awaitT       *time.Timer
	heldOut      []heldFrame // units for the client waiting behind relayed ones
	scratch      proxy.Unit
	echo         echoRing
	acks         ackTable
	ackBuf       []byte
	ackParts     [][]byte
	lastIn       int64 // unix ns: last client unit written to the home backend
	closed       bool
	// mirrorsClosing: the session-close is scheduled.
	mirrorsClosing bool
	closeBackend   func() // set by Closed, called once when the held units are written
}

// heldUnit is a client unit kept until the barrier allows it through. A
// membership unit is published to the peers when it reaches the head of the
// queue — after the home backend got everything the client sent before it
// — and goes to the home backend once the peers wrote it.
type heldUnit struct {
	enc        []byte // appendUnit encoding
	member     bool
	kind       Kind // the control kind of a membership unit
	published  bool
	seq        uint64 // its sequence number, once published
	disconnect bool
	wait       awaitReply
	info       unitInfo // owned copy, for the membership log
}

// heldFrame is a unit for the client that waits while relayed frames are
// held: relayed from a mirror, or from the home backend behind those.
type heldFrame struct {
	enc     []byte // appendUnit encoding
	relayed bool
}

// awaitReply describes what answers a membership packet.
type awaitReply struct {
	on    bool
	kind  unitKind
	ns    string
	ackID int64
}

// OpenSession implements proxy.Cluster.
func (c *Cluster) OpenSession(hs proxy.Handshake, home proxy.Home) proxy.ClusterSession {
	h := &homeSession{c: c, id: newSessionID(), home: home, hs: encodeHandshake(hs)}
	c.mu.Lock()
	c.homes[string(h.id)] = h
	c.mu.Unlock()
	c.stats.sessions.Add(1)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.publishLocked(KindHandshake, h.hs, true)
	h.hsBarrier = h.waiting != nil
	return h
}

// publishLocked sends one membership control to every node on the members
// channel; with barrier set the packet opens (or extends) the barrier over
// the peers waited for and over this node's own copy: the home backend gets
// the packet when that copy comes back, at its place in the one order
// (onOwnCopy). Without a peer to wait for there is no order to agree on,
// and the home backend gets it at once.
func (h *homeSession) publishLocked(k Kind, payload []byte, barrier bool) {
	h.seq++
	all, waited := h.c.livePeers()
	if len(all) > 0 {
		h.c.publishMember(k, h.id, h.seq, payload)
	}
	if !barrier || len(waited) == 0 {
		return
	}
	h.barrierSeq, h.hsBarrier = h.seq, false
	h.waiting = make(map[string]bool, len(waited)+1)
	for _, p := range waited {
		h.waiting[p] = true
	}
	h.waiting[string(h.c.self)] = true
	if h.barrierT != nil {
		h.barrierT.Stop()
	}
	h.barrierT = time.AfterFunc(h.c.cfg.BarrierTimeout, h.barrierTimeout)
}

// FromClient implements proxy.ClusterSession.
func (h *homeSession) FromClient(u proxy.Unit) error {
	info := h.c.ev.classify(u, &h.hdrIn)
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.fromClientLocked(u, &info)
}

func (h *homeSession) fromClientLocked(u proxy.Unit, info *unitInfo) error {
	if h.closed {
		return h.home.WriteBackend(u)
	}
	if info.kind == unitAck && info.ackID != socketio.NoID {
		var sent bool
		if u, sent = h.routeAckLocked(u, info); sent {
			return nil
		}
	}
	if !info.member && !h.holdingLocked() {
		h.lastIn = time.Now().UnixNano()
		return h.home.WriteBackend(u)
	}
	hu := heldUnit{enc: appendUnit(nil, u), member: info.member, disconnect: info.kind == unitDisconnect}
	if info.member {
		hu.kind = memberKind(info.kind)
		hu.wait = awaitReply{on: true, kind: info.kind, ns: string(info.ns), ackID: info.ackID}
		hu.info = unitInfo{kind: info.kind, member: true, ns: bytes.Clone(info.ns),
			event: bytes.Clone(info.event), args: bytes.Clone(info.args)}
	}
	if h.heldBytes+len(hu.enc) > h.c.cfg.MaxHeldBytes {
		h.c.stats.heldOverflow.Add(1)
		return proxy.ErrQueueFull // the proxy closes the client as too fast for its barrier
	}
	h.heldBytes += len(hu.enc)
	h.heldIn = append(h.heldIn, hu)
	h.releaseInLocked()
	return nil
}

// holdingLocked: client units queue behind a barrier, a grace, or units
// already queued.
func (h *homeSession) holdingLocked() bool {
	return h.waiting != nil || len(h.heldIn) > 0 || h.graceT != nil
}

func memberKind(k unitKind) Kind {
	switch k {
	case unitConnect:
		return KindConnect
	case unitDisconnect:
		return KindDisconnect
	}
	return KindReplay
}

// onOwnCopy: this node's own copy of the control with seq came back on the
// members channel. The membership packet the barrier holds goes to the home
// backend now, at the point of the one order where every peer writes it to
// its mirror; what the client sent after it still waits for the peers.
func (h *homeSession) onOwnCopy(seq uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	self := string(h.c.self)
	if h.waiting == nil || !h.waiting[self] || seq < h.barrierSeq {
		return
	}
	if hu := &h.heldIn; len(*hu) > 0 && (*hu)[0].member && (*hu)[0].published && (*hu)[0].seq == seq {
		h.writeHeadLocked()
		_ = h.home.FlushBackend()
		h.appliedEarly = len(h.waiting) > 1
	}
	delete(h.waiting, self)
	if len(h.waiting) == 0 {
		h.barrierDoneLocked()
	}
}

// onAck: peer wrote the packet with seq (and all before it) to its mirror.
func (h *homeSession) onAck(peer []byte, seq uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.waiting == nil || seq < h.barrierSeq || !h.waiting[string(peer)] {
		return
	}
	delete(h.waiting, string(peer))
	if len(h.waiting) == 0 {
		h.barrierDoneLocked()
	}
}

// peerGone stops waiting for a dead peer.
func (h *homeSession) peerGone(peer string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.waiting != nil && h.waiting[peer] {
		delete(h.waiting, peer)
		if len(h.waiting) == 0 {
			h.barrierDoneLocked()
		}
	}
}

// barrierTimeout: the peers still waited for missed the barrier. They are
// not waited for again until they answer, and get the session's snapshot
// so their mirror is rebuilt if it diverged.
func (h *homeSession) barrierTimeout() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.waiting == nil {
		return
	}
	for p := range h.waiting {
		if p == string(h.c.self) {
			// The own copy got lost (pub/sub is at most once): the
			// packet goes to the home backend now, in releaseInLocked.
			h.c.stats.ownCopyTimeouts.Add(1)
			continue
		}
		h.c.stats.barrierTimeouts.Add(1)
		h.c.stats.diverged.Add(1)
		h.c.markMissed(p)
		h.c.log.Warn("fanout: barrier timed out; peer marked diverged", "peer", p, "session", string(h.id))
		if !h.closed {
			h.sendSnapshotLocked(p)
		}
	}
	h.barrierDoneLocked()
}

func (h *homeSession) barrierDoneLocked() {
	h.c.log.Debug("fanout: barrier done", "session", string(h.id), "seq", h.barrierSeq, "held", len(h.heldIn))
	h.waiting, h.hsBarrier, h.appliedEarly = nil, false, false
	if h.barrierT != nil {
		h.barrierT.Stop()
		h.barrierT = nil
	}
	h.releaseInLocked()
	if !h.await.on {
		h.releaseOutLocked(true)
	}
}

// releaseInLocked writes held client units to the home backend in order. A
// DISCONNECT right behind released units waits for the release grace:
// Socket.IO dispatches events asynchronously and would drop them.
func (h *homeSession) releaseInLocked() {
	released := 0
	for len(h.heldIn) > 0 && (h.waiting == nil || h.publishEarlyLocked()) && h.graceT == nil {
		hu := &h.heldIn[0]
		if hu.member && !hu.published {
			if wait := h.graceLeft(); hu.disconnect && wait > 0 {
				h.graceT = time.AfterFunc(wait, h.graceOver)
				break
			}
			hu.published = true
			h.logLocked(&hu.info, hu.enc)
			h.publishLocked(hu.kind, hu.enc, !h.closed)
			hu.seq = h.seq
			h.c.log.Debug("fanout: membership published", "session", string(h.id), "kind", hu.kind.String(),
				"seq", h.seq, "waiting", len(h.waiting), "closed", h.closed)
			continue // the barrier, if any, holds it
		}
		h.writeHeadLocked()
		released++
	}
	if len(h.heldIn) == 0 {
		h.heldIn = nil
	}
	if released > 0 {
		_ = h.home.FlushBackend()
	}
	if h.closed && h.heldIn == nil && h.graceT == nil && h.waiting == nil {
		h.finishCloseLocked()
	}
}

// writeHeadLocked writes the first held unit to the home backend (the
// caller flushes) and, for a membership packet the backend is known to
// answer, makes relayed frames await that answer.
func (h *homeSession) writeHeadLocked() {
	hu := &h.heldIn[0]
	if hu.wait.on && !h.closed && h.expectsAnswer(&hu.wait) {
		h.startAwaitLocked(hu.wait)
	}
	if err := decodeUnit(hu.enc, &h.scratch); err == nil {
		_ = h.home.WriteBackend(h.scratch)
	}
	h.lastIn = time.Now().UnixNano()
	h.heldBytes -= len(hu.enc)
	h.heldIn = h.heldIn[1:]
	if len(h.heldIn) == 0 {
		h.heldIn = nil
	}
}

// publishEarlyLocked: the first membership packet (a Socket.IO client's
// CONNECT) need not wait for the handshake's barrier before it goes to the
// peers. Nothing at home precedes it, the peers' mirrors queue it behind
// their dial, and their ack of it covers the handshake's (acks are
// cumulative), so its barrier replaces the handshake's and a connect costs
// one round trip to the peers instead of two. It still waits at home for
// that barrier like any membership packet.
func (h *homeSession) publishEarlyLocked() bool {
	return h.hsBarrier && h.heldIn[0].member && !h.heldIn[0].published
}

// graceLeft is how long a DISCONNECT or close must still wait so that it
// does not follow the client's previous frame closer than the release grace.
func (h *homeSession) graceLeft() time.Duration {
	if h.lastIn == 0 {
		return 0
	}
	return h.c.cfg.ReleaseGrace - time.Duration(time.Now().UnixNano()-h.lastIn)
}

func (h *homeSession) graceOver() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.graceT = nil
	h.releaseInLocked()
}
