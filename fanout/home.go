package fanout

import (
	"bytes"
	"time"

	"sync"

	"github.com/gobwas/ws"

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
	barrierT   *time.Timer
	heldIn     []heldUnit // client units behind a barrier or a grace
	graceT     *time.Timer
	await      awaitReply // the home backend's answer relayed frames wait for
	awaitT     *time.Timer
	heldOut    [][]byte // encoded units relayed from mirrors, waiting
	scratch    proxy.Unit
	echo       echoRing
	acks       ackTable
	ackBuf     []byte
	ackParts   [][]byte
	lastIn     int64 // unix ns: last client unit written to the home backend
	closed     bool
	// mirrorsClosing: the session-close is scheduled.
	mirrorsClosing bool
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
	disconnect bool
	wait       awaitReply
	info       unitInfo // owned copy, for the membership log
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
	return h
}

// publishLocked sends one control to every live peer; with barrier set the
// packet opens (or extends) the barrier over the peers waited for.
func (h *homeSession) publishLocked(k Kind, payload []byte, barrier bool) {
	h.seq++
	all, waited := h.c.livePeers()
	for _, p := range all {
		h.c.sendControl(p, k, h.id, h.seq, payload)
	}
	if !barrier || len(waited) == 0 {
		return
	}
	h.barrierSeq = h.seq
	h.waiting = make(map[string]bool, len(waited))
	for _, p := range waited {
		h.waiting[p] = true
	}
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
	if h.waiting == nil || h.closed {
		return
	}
	for p := range h.waiting {
		h.c.stats.barrierTimeouts.Add(1)
		h.c.stats.diverged.Add(1)
		h.c.markMissed(p)
		h.c.log.Warn("fanout: barrier timed out; peer marked diverged", "peer", p, "session", string(h.id))
		h.sendSnapshotLocked(p)
	}
	h.barrierDoneLocked()
}

func (h *homeSession) barrierDoneLocked() {
	h.c.log.Debug("fanout: barrier done", "session", string(h.id), "seq", h.barrierSeq, "held", len(h.heldIn))
	h.waiting = nil
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
	for len(h.heldIn) > 0 && h.waiting == nil && h.graceT == nil {
		hu := &h.heldIn[0]
		if hu.member && !hu.published {
			if wait := h.graceLeft(); hu.disconnect && wait > 0 {
				h.graceT = time.AfterFunc(wait, h.graceOver)
				break
			}
			hu.published = true
			h.logLocked(&hu.info, hu.enc)
			h.publishLocked(hu.kind, hu.enc, !h.closed)
			h.c.log.Debug("fanout: membership published", "session", string(h.id), "kind", hu.kind.String(),
				"seq", h.seq, "waiting", len(h.waiting), "closed", h.closed)
			continue // the barrier, if any, holds it
		}
		if hu.wait.on && !h.closed {
			h.startAwaitLocked(hu.wait)
		}
		if err := decodeUnit(hu.enc, &h.scratch); err == nil {
			_ = h.home.WriteBackend(h.scratch)
		}
		h.lastIn = time.Now().UnixNano()
		h.heldIn = h.heldIn[1:]
		released++
	}
	if len(h.heldIn) == 0 {
		h.heldIn = nil
	}
	if released > 0 {
		_ = h.home.FlushBackend()
	}
	if h.closed && h.heldIn == nil && h.graceT == nil {
		h.closeMirrorsLocked()
	}
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

// startAwaitLocked makes relayed frames wait for the home backend's answer
// to a membership packet, for ReplyTimeout at most.
func (h *homeSession) startAwaitLocked(w awaitReply) {
	h.await = w
	if h.awaitT != nil {
		h.awaitT.Stop()
	}
	h.awaitT = time.AfterFunc(h.c.cfg.ReplyTimeout, h.awaitTimeout)
}

func (h *homeSession) awaitTimeout() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.await.on {
		h.c.stats.replyTimeouts.Add(1)
		h.awaitDoneLocked(true)
	}
}

func (h *homeSession) awaitDoneLocked(flush bool) {
	h.await = awaitReply{}
	if h.awaitT != nil {
		h.awaitT.Stop()
		h.awaitT = nil
	}
	h.releaseOutLocked(flush)
}

// answers reports whether a home backend unit answers the awaited packet.
func (h *homeSession) answers(info *unitInfo) bool {
	w := &h.await
	switch w.kind {
	case unitConnect:
		return (info.kind == unitConnect || info.kind == unitConnectError) && string(info.ns) == w.ns
	case unitDisconnect:
		return true
	}
	if w.ackID != socketio.NoID && info.kind == unitAck && info.ackID == w.ackID && string(info.ns) == w.ns {
		return true
	}
	if len(h.c.ev.reply) > 0 {
		return info.kind == unitEvent && h.c.ev.reply[string(info.event)]
	}
	return true
}

// FromBackend implements proxy.ClusterSession.
func (h *homeSession) FromBackend(u proxy.Unit) error {
	info := h.c.ev.classify(u, &h.hdrOut)
	h.mu.Lock()
	defer h.mu.Unlock()
	if info.kind == unitDisconnect && !h.closed {
		// The home backend ended the namespace: its mirrors leave it too.
		h.kickLocked(&info)
	}
	h.echo.seen(h.c, u, &info, true)
	err := h.home.WriteClient(h.clientFacingLocked(u, &info, &h.hdrOut, ""))
	if h.await.on && h.answers(&info) {
		h.awaitDoneLocked(false)
	}
	return err
}

// kickLocked replays a server-side DISCONNECT of a namespace on every mirror.
func (h *homeSession) kickLocked(info *unitInfo) {
	var b bytes.Buffer
	b.WriteString("41")
	if string(info.ns) != "/" {
		b.Write(info.ns)
		b.WriteByte(',')
	}
	enc := appendUnit(nil, proxy.Unit{Op: ws.OpText, Parts: [][]byte{b.Bytes()}})
	h.logLocked(info, enc)
	h.publishLocked(KindDisconnect, enc, false)
}

// onFrame takes a unit a mirror's backend sent for this session.
func (h *homeSession) onFrame(from []byte, u proxy.Unit, enc []byte, hdr *socketio.Header) {
	info := h.c.ev.classify(u, hdr)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.echo.seen(h.c, u, &info, false)
	if info.kind == unitEvent && info.ackID != socketio.NoID {
		u = h.clientFacingLocked(u, &info, hdr, string(from))
		enc = appendUnit(nil, u)
	}
	if h.waiting != nil || h.await.on {
		h.heldOut = append(h.heldOut, bytes.Clone(enc))
		return
	}
	h.c.stats.delivered.Add(1)
	if h.home.WriteClient(u) == nil {
		_ = h.home.FlushClient()
	}
}

func (h *homeSession) releaseOutLocked(flush bool) {
	if h.waiting != nil || len(h.heldOut) == 0 {
		return
	}
	for _, enc := range h.heldOut {
		if decodeUnit(enc, &h.scratch) == nil {
			h.c.stats.delivered.Add(1)
			_ = h.home.WriteClient(h.scratch)
		}
	}
	h.heldOut = nil
	if flush {
		_ = h.home.FlushClient()
	}
}

// onKick: a mirror's backend ended a namespace (or, with "" on websocket,
// the session). The client leaves it, and so do home and the other mirrors.
func (h *homeSession) onKick(ns []byte) {
	h.c.stats.kicks.Add(1)
	if h.c.ev.protocol != proxy.ProtocolSocketIO {
		h.home.Close("disconnected by a backend")
		return
	}
	pkt := []byte("41")
	if len(ns) > 0 && string(ns) != "/" {
		pkt = append(append(pkt, ns...), ',')
	}
	u := proxy.Unit{Op: ws.OpText, Parts: [][]byte{pkt}}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	if h.home.WriteClient(u) == nil {
		_ = h.home.FlushClient()
	}
	info := unitInfo{kind: unitDisconnect, member: true, ns: ns, ackID: socketio.NoID}
	if len(ns) == 0 {
		info.ns = rootNS
	}
	_ = h.fromClientLocked(u, &info)
	_ = h.home.FlushBackend()
}

// Closed implements proxy.ClusterSession: held client units go to the
// backend first (the part behind a DISCONNECT after the release grace), the
// mirrors close everywhere.
func (h *homeSession) Closed() time.Duration {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return 0
	}
	h.closed = true
	for _, t := range []*time.Timer{h.barrierT, h.awaitT} {
		if t != nil {
			t.Stop()
		}
	}
	h.waiting, h.heldOut, h.await = nil, nil, awaitReply{}
	// Held units go now, without barriers; each DISCONNECT behind released
	// units still waits a grace, and the backend's close waits for them all.
	graces := 1
	for i, hu := range h.heldIn {
		if hu.disconnect && !hu.published && i > 0 {
			graces++
		}
	}
	pending := h.graceT != nil
	h.c.log.Debug("fanout: session closed at home", "session", string(h.id), "held", len(h.heldIn), "grace_pending", pending)
	if !pending {
		h.releaseInLocked()
	}
	delay := max(h.graceLeft(), 0)
	if len(h.heldIn) > 0 || pending {
		delay = time.Duration(graces) * h.c.cfg.ReleaseGrace
	}
	h.mu.Unlock()
	h.c.forgetHome(h)
	return delay
}

// closeMirrorsLocked closes the session's mirrors everywhere, once the home
// backend had a grace to handle what the client sent last: its reactions,
// relayed from the mirrors on the same ordered channels, then reach the
// other clients before the mirror's departure does.
func (h *homeSession) closeMirrorsLocked() {
	if h.mirrorsClosing {
		return
	}
	h.mirrorsClosing = true
	h.seq++
	seq := h.seq
	time.AfterFunc(h.c.cfg.ReleaseGrace, func() {
		for _, p := range h.c.reg.Peers() {
			h.c.sendControl(p.ID, KindSessionClose, h.id, seq, nil)
		}
	})
}

// sendSnapshotLocked sends the session's handshake and membership log to
// one peer, which rebuilds its mirror unless it is already in step.
func (h *homeSession) sendSnapshotLocked(peer string) {
	h.c.sendControl(peer, KindSnapshot, h.id, h.seq, appendSnapshot(nil, h.hs, h.log))
}

func (h *homeSession) sendSnapshot(peer string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.sendSnapshotLocked(peer)
	}
}
