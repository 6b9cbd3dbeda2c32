package fanout

import "time"

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
