// Package fanout joins sidecast nodes into one cluster: the bus that carries
// encoded envelopes between nodes (over Redis, or in memory inside one
// process), the registry through which nodes learn of each other's arrival
// and death, and the mirror sessions built on them (Cluster: handshakes,
// membership replay, the barrier, relay, coalescing, the echo filter, acks,
// resync and snapshots), which see one code path whichever bus runs
// underneath.
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
// Every connection the Redis client dials is a rawio.Conn (redis_dial.go):
// its reads and writes do not announce system calls to the Go runtime,
// which would wake the runtime's monitor thread at each burst after the
// node was idle.
//
// # Goroutines
//
//   - RedisBus: publishLoop (drains the queue in pipelines; on Close it
//     flushes what is queued, then returns), one receiveLoop per
//     subscription connection (owns it; pings it when silent, reconnects
//     and resubscribes forever with backoff), and the self-check loop.
//     Close stops and waits for all of them. On one server a single
//     connection carries every channel; on a Redis Cluster each channel has
//     its own, on the shard that owns the channel's slot (Redis Cluster below).
//   - MemoryBus: deliverLoop (owns the dispatcher, drains the inbox) and
//     the self-check loop.
//   - Handlers run on a delivery goroutine (a receiveLoop or deliverLoop),
//     one at a time across the bus (the dispatcher's lock), and must not block.
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
//	socket.io:sidecast:members                   channel, membership controls
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
// # Redis Cluster
//
// RedisConfig.ClusterMode (REDIS_CLUSTER, REDIS_CLUSTER_NODES, or several
// nodes in REDIS_URL) puts the bus on a go-redis ClusterClient and every
// channel on sharded pub/sub: SPUBLISH and SSUBSCRIBE, through one small
// strategy (bus_redis_mode.go), so the bus, the registry and the mirrors
// keep one code path. A node channel lives on the shard its name hashes to:
// a relayed frame costs one SPUBLISH on one shard (plus the cluster bus's
// copy to that shard's replicas), where plain PUBLISH would be copied to
// every node of the cluster. Registry keys share one hash tag, so their
// pipelines and MGET stay in one slot.
//
// Failover and slot migration: go-redis redials a subscription's shard from
// the slot map it holds, which is stale after a failover, and does not
// follow a server's SUNSUBSCRIBE when a slot moves. So on any error or
// server-ended subscription the receiveLoop asks for a slot-map reload and
// renews the subscription on the shard's current master; each renewal
// that is confirmed again counts in Stats.Reconnects and logs the channel
// and its shard. A publish batch that fails reloads the slot map too.
// Messages are never retried or redirected (MaxRetries, MaxRedirects -1):
// a retry could deliver twice. What is lost is counted: DroppedTransport
// when the shard refused or failed the batch, DroppedNoReceiver when Redis
// took a node channel's message but had no subscriber for it (SPUBLISH
// answers with the number of receivers) — the window while a node
// resubscribes after a failover.
//
// # Redis ACL
//
// The least privilege sidecast needs (ACLRule returns the part after the
// password for any prefix; SELECT is only used with a database other than 0):
//
//	ACL SETUSER sidecast on >PASSWORD resetkeys ~socket.io:sidecast:* resetchannels &socket.io:sidecast:* -@all +auth +hello +ping +select +publish +subscribe +unsubscribe +spublish +ssubscribe +sunsubscribe +set +mget +sadd +srem +smembers +del +cluster|slots +command
//
// RedisBus.Check, called once at start-up, says why Redis is not usable:
// unreachable, credentials or certificate refused, a command the ACL
// refuses (ErrPermission, naming it), or a server whose kind does not match
// the mode (ErrNotCluster, ErrIsCluster). A failed check does not stop the node:
// the bus keeps retrying and the node runs degraded until Redis answers.
// RouteRedisLogs sends go-redis's own log lines to slog at debug level.
// The bus's subscription and publisher and the registry's heartbeat and
// listing report their failures and successes to one OutageLog per node
// (outage.go), which logs an outage's start, a summary at a bounded rate
// and its end, instead of a line per retry.
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
// The record's payload also carries the node's Settings after the address,
// as a URL fragment that earlier builds ignore (registry_settings.go). A
// node whose protocol, envelope format or MirrorFormat differs is refused:
// it never enters the peer table, so nothing is mirrored to, forwarded to
// or waited for from it; one whose events or event field differ is a peer.
// Either way the registry logs the disagreement once and lists it
// (Mismatches, registry_mismatch.go).
//
// # Mirror sessions
//
// The mechanism is docs/design.md, Mirror sessions; this is its code.
// Cluster (cluster.go) implements proxy.Cluster for its node's proxy and
// opens mirrors on that proxy for other nodes' sessions. All of it speaks
// envelopes on node channels, so the memory bus and Redis run one code path.
//
// One order for membership: every session's membership controls
// (KindHandshake, KindConnect, KindReplay, KindDisconnect, KindSessionClose)
// go once on MembersChannel, which every node receives, its own messages
// included, in one order (handleMembers). Each node writes them to its
// backend in that order on the delivery goroutine: another node's to its
// mirror, its own to the home backend when its own copy comes back
// (onOwnCopy). Everything else (frames, acks, kicks, snapshots, resync
// requests, barrier acks) goes on node channels; no order across channels
// is relied on.
//
// Home side (home.go), per client session: OpenSession publishes
// KindHandshake (seq 1) on the members channel. FromClient classifies each unit
// (classify.go: Socket.IO packet type, namespace, event, ack id; for
// websocket and engineio the EVENT_FIELD of a JSON message). A namespace CONNECT or
// DISCONNECT, or a MIRROR_EVENTS event, is a membership unit: it queues
// behind what is held, and when it reaches the head of the queue — after
// the home backend got everything sent before it; a session's first one (a
// Socket.IO CONNECT) already while the handshake's barrier is open, since
// the peers queue it behind their mirror's dial and their ack covers both
// (publishEarlyLocked) — it is logged
// (memlog.go), published (KindConnect, KindDisconnect, KindReplay with the
// session's next sequence number) and opens the barrier: it goes to the home
// backend when its own copy comes back on the members channel, and
// everything after it waits until that happened and every live peer not
// marked "missed" acked
// (KindBarrierAck) that it wrote the packet to its mirror (and that the
// backend answered a CONNECT, or acked an event that asked for an ack, or
// had MirrorSettle to handle one that did not), or until
// BarrierTimeout, which marks the late peers missed (not waited for again
// until any envelope from them arrives), counts them and sends them the
// session's snapshot to repair a diverged mirror; a lost own copy is
// counted (OwnCopyTimeouts) and the packet goes home then. Relayed frames
// wait at home while a barrier is open and, where an answer is expected,
// until the home backend answered the membership packet (its CONNECT
// reply, the ack the client asked for, a MIRROR_EVENT_REPLY event;
// ReplyTimeout at most): a silent server's join awaits nothing
// (expectsAnswer). The home backend's other frames to the client queue
// behind held relayed frames, so the client gets them in arrival order. A DISCONNECT or close never follows the client's previous frame
// closer than ReleaseGrace. When the client closes, what is held still goes
// to the home backend in order (an open barrier is still waited for), then
// the proxy's closeBackend runs; KindSessionClose goes on the members
// channel a grace later, so the home backend's last reactions, relayed on the same
// ordered channels, arrive before the mirrors leave. Controls to a node
// flush the coalescer toward it first, so they never overtake a frame.
//
// Mirror side (mirror.go): KindHandshake or KindSnapshot starts a dial on
// its own goroutine; units that arrive meanwhile queue. The dial's end acks
// the handshake (or snapshot), unless a membership packet queued meanwhile,
// whose later ack covers it. Each membership packet is written in sequence
// order and acked; a sequence gap or a packet
// for an unknown session sends KindResyncRequest, and home answers with
// KindSnapshot (handshake + membership log), which rebuilds the mirror
// unless it is already in step. After a Socket.IO CONNECT the mirror holds
// further packets until the backend answered it (the backend's namespace
// middleware is asynchronous); after any other membership packet, and before
// it acks it, until the backend handled it as far as can be seen: its ack
// when the packet asked for one (ReplyTimeout at most), else MirrorSettle
// (gateTimedOut counts the packets
// taken as handled without proof). What the backend sends to a mirror is
// relayed home (KindFrame) except replies to replayed packets (CONNECT
// replies, acks), LOCAL_EVENTS echoes, and a server DISCONNECT, which goes
// home as KindKick: the client leaves that namespace there and on every
// mirror (for websocket, a backend's close frame other than 1001 ends the
// client's session). KindSessionClose closes a mirror once what it queued
// is written. Identical frames for sessions of one home share one bus message
// with a recipient list (coalesce.go, CoalesceWindow); a session's frames
// keep their order.
//
// Acks (acks.go): server→client events that ask for an ack, from the home
// backend or any mirror, get ids from one space per session; the client's
// ack is rewritten to the original id and goes to the home backend or, as
// KindAck, to the node whose mirror asked. Echo detection (echo.go): an
// identical frame from home and from a mirror within EchoWindow is counted
// per event name and logged once with a suggested LOCAL_EVENTS entry.
//
// Lifecycle: on PeerUp a node asks the peer for snapshots of its sessions
// and sends its own (a late node gets mirrors for clients already
// connected); on PeerDown it closes the dead peer's mirrors and stops
// waiting for it; on SelfLapsed it drops its mirrors and rebuilds them
// from snapshots. Epochs come with every envelope; a restart is a PeerDown
// then a PeerUp.
//
// Goroutines and locks: bus handlers run on the delivery goroutine;
// FromClient and FromBackend on the proxy's workers; barrier, grace, reply
// and coalescing timers on time.AfterFunc goroutines; each mirror dial on a
// goroutine Close waits for (Cluster.wg), cancelled by Close. A session's mu
// is taken before Cluster.mu, and both before a proxy leg's locks; nothing
// holds Cluster.mu while taking a session's mu. A mirror's leg parks no
// goroutine: it sits in the proxy's poller.
//
// Envelope kinds KindHeartbeat and KindLeave belong to the registry;
// With CLUSTER_SECRET (BusConfig.Secret) every envelope ends in an
// HMAC-SHA256 tag (FlagTag) and handshake payloads are AES-GCM sealed
// (auth.go): Publish seals, the delivery goroutine opens.//
// # One package, for now
//
// The bus (bus*.go, envelope*.go, registry*.go, redis_*.go) and the mirror
// sessions (cluster*.go, home*.go, mirror*.go, barrier, echo, acks) are two
// concepts, and the package (44 files) is the first candidate to split in
// two when it grows past the house limit of about fifty. It stays one while
// the membership-order work changes both sides of their boundary (the
// envelope kinds, the pooled buffers and the unit codec the cluster uses
// unexported); the split is cheapest once that boundary has settled.
package fanout
