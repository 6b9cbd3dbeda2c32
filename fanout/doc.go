// Package fanout joins sidecast nodes into one cluster: the bus that carries
// encoded envelopes between nodes (over Redis, or in memory inside one
// process) and the registry through which nodes learn of each other's
// arrival and death. Mirrors, the barrier, the echo filter and acks build on
// these two pieces and see one code path whichever bus runs underneath.
//
// # Data flow
//
// A sender encodes an Envelope (envelope.go: version, kind, sender node id
// and boot epoch, session id, per-session sequence number, optional
// recipient list, payload) into a pooled buffer and calls Bus.Publish with
// the destination's channel: NodeChannel(id) for everything addressed to one
// node, ClusterChannel for node-level announcements. Publish copies the bytes
// and never blocks; a full queue drops the message and counts it. The
// receiving bus decodes each message once, without copying, refuses (counts,
// logs) envelopes of an unknown version or shape, and hands the Envelope to
// the channel's Handler. The memory bus carries exactly these bytes too.
//
// Delivery is at most once and, per publishing bus and channel, in order:
// the Redis bus writes its queue from one goroutine in pipelined batches, so
// batching never reorders; the memory bus appends to the receiver's inbox in
// publish order. Sequence numbers let receivers detect what pub/sub loses.
//
// # Goroutines
//
//   - RedisBus: publishLoop (drains the queue in pipelines; on Close it
//     flushes what is queued, then returns), receiveLoop (owns the
//     subscription connection and the dispatcher; pings a silent connection,
//     reconnects and resubscribes forever with backoff), and the self-check
//     loop. Close stops and waits for all three.
//   - MemoryBus: deliverLoop (owns the dispatcher, drains the inbox) and
//     the self-check loop.
//   - Handlers run on the delivery goroutine (receiveLoop or deliverLoop), one
//     at a time, and must not block.
//   - Registry: loop (heartbeats, polls, announcements, OnChange calls).
//     Announcements arrive on the bus's delivery goroutine and are handed to
//     the loop through a bounded queue.
//
// # Self-check
//
// Every SelfCheckInterval a bus publishes a KindSelfCheck envelope to its own
// node channel; Status.Healthy says whether the last one came back within
// SelfCheckTimeout. It proves publish, subscription and delivery end to end
// — a subscription that died silently fails it — and feeds /health's
// "redis" field.
//
// # Names in Redis
//
// With REDIS_ADAPTER_KEY = socket.io (the default):
//
//	socket.io:sidecast:node:<id>                 channel, one per node
//	socket.io:sidecast:cluster                   channel, announcements
//	socket.io:sidecast:{socket.io}:node:<id>     key, a node's record (TTL)
//	socket.io:sidecast:{socket.io}:nodes         key, set of node ids
//
// None has the native adapter's "<key>#<namespace>#" shape, so both can share
// one Redis. The registry keys share the hash tag {socket.io}: in a Redis
// Cluster they live in one slot and no command crosses slots; the channels
// carry no tag, so sharded pub/sub spreads the node channels over the shards.
// sidecast never sends KEYS, SCAN or PSUBSCRIBE. Pub/sub ignores the database
// number: environments that share a Redis need distinct adapter keys.
//
// # Redis ACL
//
// The least privilege sidecast needs (ACLRule returns the part after the
// password for any prefix; SELECT is only used with a database other than 0):
//
//	ACL SETUSER sidecast on >PASSWORD resetkeys ~socket.io:sidecast:* resetchannels &socket.io:sidecast:* -@all +auth +hello +ping +select +publish +subscribe +unsubscribe +spublish +ssubscribe +sunsubscribe +set +mget +sadd +srem +smembers +del
//
// RedisBus.Check, called once at start-up, says why Redis is not usable:
// unreachable, credentials or certificate refused, or a command the ACL
// refuses (ErrPermission, naming it). A failed check does not stop the node:
// the bus keeps retrying and the node runs degraded until Redis answers.
// RouteRedisLogs sends go-redis's own log lines to slog at debug level.
//
// # Registry
//
// Each node stores its record (a KindHeartbeat envelope: id, boot epoch,
// advertised address) with a TTL every HeartbeatInterval and announces its
// arrival and departure on the cluster channel. Every PollInterval it lists
// the records: a record that expired is a death (seen within TTL +
// PollInterval of the last heartbeat), a new epoch for a known id is a
// restart (down, then up). Expiry is Redis's, so node clocks never compare.
// A node that finds its own record gone (an outage longer than the TTL, or a
// Redis that lost its data) registers again and reports SelfLapsed: its
// peers took it for dead, and what they dropped must be rebuilt.
//
// # Later
//
// Envelope kinds for handshakes, replays, barrier acks, snapshots, resyncs
// and acks are defined now so the format need not change when mirrors come;
// FlagTag reserves a trailing HMAC for CLUSTER_SECRET; Recipients carries
// coalesced frames. Redis Cluster mode (SPUBLISH/SSUBSCRIBE) fits the same
// names and ACL rule.
package fanout
