package fanout

import (
	"bytes"
	"time"

	"github.com/gobwas/ws"

	"github.com/sidecast/sidecast/proxy"
	"github.com/sidecast/sidecast/proxy/socketio"
)

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

// expectsAnswer reports whether the home backend is known to answer the
// membership packet w: a CONNECT always is, an event when the client asked
// for an ack or MIRROR_EVENT_REPLY names the answer. Relayed frames wait for
// an answer only then. Many servers answer a join with nothing, and any
// other frame of theirs proves nothing about the join (docs/mirrors.md, The
// barrier): for such a packet the barrier — the peers wrote it and their
// backends had MirrorSettle to apply it — is the whole wait.
func (h *homeSession) expectsAnswer(w *awaitReply) bool {
	switch w.kind {
	case unitConnect:
		return true
	case unitDisconnect:
		return false
	}
	return w.ackID != socketio.NoID || len(h.c.ev.reply) > 0
}

// answers reports whether a home backend unit answers the awaited packet.
func (h *homeSession) answers(info *unitInfo) bool {
	w := &h.await
	if w.kind == unitConnect {
		return (info.kind == unitConnect || info.kind == unitConnectError) && string(info.ns) == w.ns
	}
	if w.ackID != socketio.NoID && info.kind == unitAck && info.ackID == w.ackID && string(info.ns) == w.ns {
		return true
	}
	return info.kind == unitEvent && h.c.ev.reply[string(info.event)]
}

// FromBackend implements proxy.ClusterSession.
func (h *homeSession) FromBackend(u proxy.Unit) error {
	info := h.c.ev.classify(u, &h.hdrOut)
	h.mu.Lock()
	defer h.mu.Unlock()
	if (info.kind == unitDisconnect || info.kind == unitConnectError) && !h.closed {
		// The home backend ended or refused the namespace: its mirrors
		// leave it too (a mirror that was refused as well learns that
		// home agreed, see mirror.refusedLocked).
		h.kickLocked(info.ns)
	}
	h.echo.seen(h.c, u, &info, true)
	u = h.clientFacingLocked(u, &info, &h.hdrOut, "")
	hold := len(h.heldOut) > 0 || h.appliedEarly
	if h.await.on && h.answers(&info) {
		// The answer goes first (docs/mirrors.md, The barrier): a client
		// never sees another node's reaction before its backend's reply.
		if !hold {
			err := h.home.WriteClient(u)
			h.awaitDoneLocked(false)
			return err
		}
		h.holdAnswerLocked(appendUnit(nil, u))
		h.awaitDoneLocked(false)
		return nil
	}
	if hold {
		// Relayed frames wait, and they came first, or the home backend
		// reacts to a membership packet the peers have not all written
		// yet (a client told "joined" could make others act on a join
		// their backends have not got): this one queues, and the client
		// gets everything in arrival order.
		h.holdOutLocked(appendUnit(nil, u), false)
		return nil
	}
	return h.home.WriteClient(u)
}

// holdAnswerLocked queues the home backend's answer to the awaited packet
// ahead of everything held (docs/mirrors.md, The barrier): the only frame
// that does not leave in arrival order.
func (h *homeSession) holdAnswerLocked(enc []byte) {
	h.holdOutLocked(enc, false)
	if n := len(h.heldOut); n > 1 {
		last := h.heldOut[n-1]
		copy(h.heldOut[1:], h.heldOut[:n-1])
		h.heldOut[0] = last
	}
}

// holdOutLocked queues an encoded unit (the caller's own copy) for the
// client behind what is held, within MaxHeldBytes; relayed says it came
// from a mirror.
func (h *homeSession) holdOutLocked(enc []byte, relayed bool) {
	if h.outBytes+len(enc) > h.c.cfg.MaxHeldBytes {
		// Frames the client has not been sent cannot be dropped
		// silently: the session ends, as a too slow client's would.
		h.c.stats.heldOverflow.Add(1)
		h.heldOut, h.outBytes = nil, 0
		time.AfterFunc(0, func() { h.home.Close("relayed frames overflowed while held") })
		return
	}
	h.outBytes += len(enc)
	h.heldOut = append(h.heldOut, heldFrame{enc: enc, relayed: relayed})
}

// kickLocked replays a server-side DISCONNECT of namespace ns on every
// mirror.
func (h *homeSession) kickLocked(ns []byte) {
	enc := appendUnit(nil, proxy.Unit{Op: ws.OpText, Parts: [][]byte{disconnectPacket(ns)}})
	h.logLocked(&unitInfo{kind: unitDisconnect, ns: ns}, enc)
	h.publishLocked(KindDisconnect, enc, false)
}

// disconnectPacket is the Socket.IO DISCONNECT of namespace ns.
func disconnectPacket(ns []byte) []byte {
	var b bytes.Buffer
	b.WriteString("41")
	if string(ns) != "/" {
		b.Write(ns)
		b.WriteByte(',')
	}
	return b.Bytes()
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
		h.holdOutLocked(bytes.Clone(enc), true)
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
	for _, f := range h.heldOut {
		if decodeUnit(f.enc, &h.scratch) == nil {
			if f.relayed {
				h.c.stats.delivered.Add(1)
			}
			_ = h.home.WriteClient(h.scratch)
		}
	}
	h.heldOut, h.outBytes = nil, 0
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
