package fanout

import "time"

// Closed implements proxy.ClusterSession. What the client sent last still
// goes to the home backend in order: behind an open barrier (bounded as
// ever), with the release grace before a DISCONNECT; membership packets not
// yet published go to the peers without a barrier. Then the backend's leg
// closes (a grace behind the last unit) and the mirrors close everywhere.
func (h *homeSession) Closed(closeBackend func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed, h.closeBackend = true, closeBackend
	if h.awaitT != nil {
		h.awaitT.Stop()
	}
	h.heldOut, h.outBytes, h.await, h.appliedEarly = nil, 0, awaitReply{}, false
	h.c.log.Debug("fanout: session closed at home", "session", string(h.id), "held", len(h.heldIn),
		"barrier", h.waiting != nil, "grace_pending", h.graceT != nil)
	if h.graceT == nil {
		h.releaseInLocked()
	}
}

// finishCloseLocked runs once the closed session's held units are written:
// the backend's leg closes a grace behind the last one, the mirrors later.
func (h *homeSession) finishCloseLocked() {
	if h.mirrorsClosing {
		return
	}
	h.c.forgetHome(h) // only now: barrier acks for held units still come to it
	if done := h.closeBackend; done != nil {
		h.closeBackend = nil
		time.AfterFunc(max(h.graceLeft(), 0), done)
	}
	h.closeMirrorsLocked()
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
		if len(h.c.reg.Peers()) > 0 {
			h.c.publishMember(KindSessionClose, h.id, seq, nil)
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
