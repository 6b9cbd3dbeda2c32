package fanout

import "sync/atomic"

// Stats are a bus's counters since it started; the metrics endpoint exports
// them. Every dropped or refused message is counted under one reason.
type Stats struct {
	Published        uint64 // messages the transport accepted
	DroppedQueueFull uint64 // dropped at Publish: the queue was full
	DroppedTransport uint64 // lost: the transport failed the batch (Redis down)
	// DroppedNoReceiver: Redis took a message for a node channel but no
	// subscriber got it (the node is gone, or its subscription was being
	// restored, as after a shard's failover): lost.
	DroppedNoReceiver uint64
	Delivered         uint64 // envelopes handed to a handler
	UnknownVersion    uint64 // refused: envelope format version unknown
	Malformed         uint64 // refused: envelope did not decode
	Unhandled         uint64 // arrived on a channel that has no handler yet
	SelfChecksOK      uint64 // probes that came back in time
	SelfChecksFailed  uint64 // probes that did not
	// Reconnects: times a subscription connection was re-established after
	// a loss (on a Redis Cluster, one per shard channel's connection); each
	// is logged with the channel and its shard.
	Reconnects uint64
	// Unauthenticated: refused, with a Secret set: no valid tag (written
	// without the secret or by a cluster with another REDIS_ADAPTER_KEY).
	Unauthenticated uint64
}

type counters struct {
	published, droppedQueueFull, droppedTransport, delivered atomic.Uint64
	droppedNoReceiver                                        atomic.Uint64
	unknownVersion, malformed, unhandled                     atomic.Uint64
	unauthenticated                                          atomic.Uint64
	selfChecksOK, selfChecksFailed, reconnects               atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Published: c.published.Load(), DroppedQueueFull: c.droppedQueueFull.Load(),
		DroppedTransport: c.droppedTransport.Load(), DroppedNoReceiver: c.droppedNoReceiver.Load(),
		Delivered:      c.delivered.Load(),
		UnknownVersion: c.unknownVersion.Load(), Malformed: c.malformed.Load(),
		Unhandled: c.unhandled.Load(), SelfChecksOK: c.selfChecksOK.Load(),
		SelfChecksFailed: c.selfChecksFailed.Load(), Reconnects: c.reconnects.Load(),
		Unauthenticated: c.unauthenticated.Load(),
	}
}
