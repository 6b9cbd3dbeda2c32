package fanout

import "sync/atomic"

// ClusterStats are the mirror mechanism's counters since start, for
// /admin/stats and the metrics.
type ClusterStats struct {
	Sessions uint64 `json:"sessions"` // home sessions ever opened
	Homes    int    `json:"homes"`    // home sessions open now
	Mirrors  int    `json:"mirrors"`  // mirrors open now on this node
	// BackendState is BackendOK (""), BackendDown or BackendSyncing: while
	// it is not BackendOK the node takes no new client session.
	BackendState       string `json:"backendState,omitempty"`
	BarrierTimeouts    uint64 `json:"barrierTimeouts"`    // peers that did not ack a barrier within BarrierTimeout
	Diverged           uint64 `json:"diverged"`           // (session, peer) pairs marked diverged and resynced
	SequenceGaps       uint64 `json:"sequenceGaps"`       // control gaps a mirror detected (it asked for a resync)
	Resyncs            uint64 `json:"resyncs"`            // mirrors rebuilt from a snapshot
	MirrorDialFailures uint64 `json:"mirrorDialFailures"` // mirrors that could not be opened
	MirrorRefused      uint64 `json:"mirrorRefused"`      // mirror CONNECTs the backend refused while home accepted
	// MirrorRefusedAgreed: mirror CONNECTs the backend refused as home's did
	// (no divergence: one node would have refused the client too).
	MirrorRefusedAgreed uint64 `json:"mirrorRefusedAgreed"`
	ReplyTimeouts       uint64 `json:"replyTimeouts"`  // membership packets the home backend did not answer in time
	Kicks               uint64 `json:"kicks"`          // namespaces a mirror's backend ended
	Relayed             uint64 `json:"relayed"`        // frames relayed from mirrors to their home
	Coalesced           uint64 `json:"coalesced"`      // relayed frames that shared a bus message with an identical one
	Delivered           uint64 `json:"delivered"`      // relayed frames written to a client
	DroppedLocal        uint64 `json:"droppedLocal"`   // LOCAL_EVENTS frames mirrors dropped
	DroppedReplies      uint64 `json:"droppedReplies"` // replies to replayed packets mirrors dropped
	ControlDropped      uint64 `json:"controlDropped"` // control messages the bus refused
	HeldOverflow        uint64 `json:"heldOverflow"`   // sessions closed because what they held passed MaxHeldBytes
	// SyncTimeouts: rebuilds after a backend returned that stopped waiting
	// for a peer's snapshots (BarrierTimeout).
	SyncTimeouts       uint64 `json:"syncTimeouts"`
	OwnCopyTimeouts    uint64 `json:"ownCopyTimeouts"`    // own membership packets the members channel did not bring back within BarrierTimeout
	SettledUnconfirmed uint64 `json:"settledUnconfirmed"` // membership packets a mirror acked after MirrorSettle with no answer from its backend
	MirrorAckTimeouts  uint64 `json:"mirrorAckTimeouts"`  // membership packets asking for an ack that a mirror's backend did not ack within ReplyTimeout
	// Echoes counts suspected echo events (candidates for LOCAL_EVENTS) by name.
	Echoes map[string]uint64 `json:"echoes"`
}

type clusterCounters struct {
	sessions, barrierTimeouts, diverged, gaps, resyncs     atomic.Uint64
	dialFailures, refused, replyTimeouts, kicks, relayed   atomic.Uint64
	delivered, droppedLocal, droppedReplies, coalesced     atomic.Uint64
	controlDropped, heldOverflow, refusedAgreed            atomic.Uint64
	syncTimeouts                                           atomic.Uint64
	ownCopyTimeouts, settledUnconfirmed, mirrorAckTimeouts atomic.Uint64
}

// Stats returns a snapshot of the counters.
func (c *Cluster) Stats() ClusterStats {
	s := &c.stats
	c.mu.Lock()
	homes, mirrors, state := len(c.homes), len(c.mirrors), c.sync.state
	c.mu.Unlock()
	return ClusterStats{
		Sessions: s.sessions.Load(), Homes: homes, Mirrors: mirrors, BackendState: state,
		BarrierTimeouts: s.barrierTimeouts.Load(), Diverged: s.diverged.Load(),
		SequenceGaps: s.gaps.Load(), Resyncs: s.resyncs.Load(),
		MirrorDialFailures: s.dialFailures.Load(), MirrorRefused: s.refused.Load(),
		MirrorRefusedAgreed: s.refusedAgreed.Load(),
		ReplyTimeouts:       s.replyTimeouts.Load(), Kicks: s.kicks.Load(),
		OwnCopyTimeouts: s.ownCopyTimeouts.Load(), SettledUnconfirmed: s.settledUnconfirmed.Load(),
		MirrorAckTimeouts: s.mirrorAckTimeouts.Load(),
		Relayed:           s.relayed.Load(), Coalesced: s.coalesced.Load(), Delivered: s.delivered.Load(),
		DroppedLocal: s.droppedLocal.Load(), DroppedReplies: s.droppedReplies.Load(),
		ControlDropped: s.controlDropped.Load(), HeldOverflow: s.heldOverflow.Load(),
		SyncTimeouts: s.syncTimeouts.Load(), Echoes: c.echo.snapshot(),
	}
}
