package fanout

import (
	"context"
	"log/slog"
	"time"
)

// Channel names a bus channel relative to the bus's namespace: the Redis bus
// maps it to "<REDIS_ADAPTER_KEY>:sidecast:<channel>", the memory bus to a
// name inside its hub. Build node channels once per peer with NodeChannel.
type Channel string

// ClusterChannel carries node-level announcements (arrival, departure).
const ClusterChannel Channel = "cluster"

// MembersChannel carries every session's membership controls (handshake,
// CONNECT, replayed events, DISCONNECT, session close) to every node, the
// publisher's own included: one channel has one order, so every node writes
// the cluster's membership packets to its backend in the same order
// (docs/mirrors.md, One order for membership).
const MembersChannel Channel = "members"

// NodeChannel is the channel node id subscribes to: every relayed frame and
// every control message for that node travels on it.
func NodeChannel(id string) Channel { return Channel("node:" + id) }

// Handler receives one decoded envelope. It runs on a delivery goroutine of
// the bus, one handler call at a time across the bus, in arrival order per
// channel; env and everything it aliases are
// valid only during the call, so a handler copies what it keeps and must not
// block (hand long work to a queue).
type Handler func(env *Envelope)

// Bus moves encoded envelopes between nodes. One Bus belongs to one node.
//
// Order: messages one Bus publishes to one channel arrive in publish order
// (batching never reorders them). Delivery is at most once: a message
// published while the transport is down is dropped and counted, which is why
// per-session envelopes carry sequence numbers.
type Bus interface {
	// NodeID returns this node's id.
	NodeID() string
	// Epoch returns this node's boot epoch.
	Epoch() uint64
	// Publish copies msg (an encoded Envelope) and queues it for ch. It
	// never blocks: a full queue drops msg, counts it and returns ErrQueueFull.
	Publish(ch Channel, msg []byte) error
	// Subscribe makes h the handler of ch and waits until the subscription
	// is active or ctx ends (then it returns an error wrapping
	// ErrNotConnected, and the subscription is still made when the bus
	// connects). The bus always listens on its own node channel — its
	// self-check needs it — so subscribing NodeChannel(NodeID()) only sets
	// the handler. Envelopes of an unknown version never reach h.
	Subscribe(ctx context.Context, ch Channel, h Handler) error
	// Status reports whether the bus works end to end.
	Status() Status
	// Stats returns the bus's counters.
	Stats() Stats
	// Close stops every goroutine of the bus and waits for them. It is idempotent.
	Close() error

	Presence
}

// Presence is the registry's store: records that expire unless refreshed.
type Presence interface {
	// PutPresence stores record under node id for ttl.
	PutPresence(ctx context.Context, id string, record []byte, ttl time.Duration) error
	// DeletePresence removes node id's record.
	DeletePresence(ctx context.Context, id string) error
	// ListPresence calls fn for every unexpired record; record is valid
	// only during the call.
	ListPresence(ctx context.Context, fn func(id string, record []byte)) error
}

// Status is a bus's health as /health and readiness see it.
type Status struct {
	// Connected: the transport is up and every subscription is confirmed.
	Connected bool
	// Healthy: the last self-check probe came back through this node's own
	// subscription within SelfCheckTimeout. This is the field /health's
	// "redis" reports: a subscription that died silently fails it.
	Healthy bool
	// LastCheck is when a probe last came back; zero if none has.
	LastCheck time.Time
	// RoundTrip is the last probe's publish-to-delivery time.
	RoundTrip time.Duration
	// Err is the last transport error, nil once the bus is connected again.
	Err error
}

// BusConfig configures either bus. The zero value works once NodeID is set.
type BusConfig struct {
	// NodeID is this node's id (SERVER_ID); required, see ValidateNodeID.
	NodeID string
	// Epoch is this node's boot epoch; 0 means the construction time in ns.
	Epoch uint64
	// QueueSize bounds the messages waiting to be published; 0 means 8192.
	QueueSize int
	// BatchSize bounds the messages written in one pipeline; 0 means 256.
	BatchSize int
	// SelfCheckInterval is the period of the self-check probe; 0 means 5s,
	// negative disables it (Status.Healthy then follows Connected).
	SelfCheckInterval time.Duration
	// SelfCheckTimeout is how long a probe may take before the bus counts as
	// unhealthy; 0 means 2s.
	SelfCheckTimeout time.Duration
	// IdlePing: a Redis subscription silent this long is pinged, and
	// reconnected when the ping gets no answer within the same time; 0 means 5s.
	IdlePing time.Duration
	// OnRoundTrip, when set, is told how long each round trip to the
	// transport took: op "publish" for one pipelined publish batch (Redis
	// bus), op "selfcheck" for a self-check probe out and back through this
	// node's subscription. It runs on the bus's goroutines: it must not block.
	OnRoundTrip func(op string, d time.Duration)
	// ReconnectMin and ReconnectMax bound the Redis reconnect backoff, which
	// doubles from min to max and retries forever; 0 means 50ms and 1s.
	ReconnectMin time.Duration
	ReconnectMax time.Duration
	// Logger receives warnings and errors; nil means slog.Default().
	Logger *slog.Logger
	// Outage folds the Redis bus's connection failures into a few lines
	// (outage.go); share one with the node's Registry so a node logs one
	// outage. nil means one of the bus's own on Logger, summarising every
	// DefaultOutageInterval.
	Outage *OutageLog
	// Secret (CLUSTER_SECRET), when set, authenticates every envelope
	// published and received (auth.go): envelopes without a valid tag are
	// refused and counted (Stats.Unauthenticated), and handshake payloads
	// are encrypted. Every node of a cluster needs the same Secret.
	Secret string
	// SecretScope is bound into the keys derived from Secret, so a cluster
	// with another scope cannot write messages this one accepts; pass
	// REDIS_ADAPTER_KEY.
	SecretScope string
}

func (c BusConfig) withDefaults() (BusConfig, error) {
	if err := ValidateNodeID(c.NodeID); err != nil {
		return c, err
	}
	if c.Epoch == 0 {
		c.Epoch = uint64(time.Now().UnixNano())
	}
	if c.QueueSize <= 0 {
		c.QueueSize = 8192
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 256
	}
	if c.SelfCheckInterval == 0 {
		c.SelfCheckInterval = 5 * time.Second
	}
	if c.SelfCheckTimeout <= 0 {
		c.SelfCheckTimeout = 2 * time.Second
	}
	if c.IdlePing <= 0 {
		c.IdlePing = 5 * time.Second
	}
	if c.ReconnectMin <= 0 {
		c.ReconnectMin = 50 * time.Millisecond
	}
	if c.ReconnectMax < c.ReconnectMin {
		c.ReconnectMax = max(time.Second, c.ReconnectMin)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Outage == nil {
		c.Outage = NewOutageLog(c.Logger, "redis", 0)
	}
	return c, nil
}
