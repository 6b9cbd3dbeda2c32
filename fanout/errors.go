package fanout

import "errors"

// Envelope errors. Decode returns them wrapped with the offending detail.
var (
	// ErrUnknownVersion: the envelope's format version is not one this build
	// understands. Buses refuse such envelopes, count them and log them, so a
	// rolling upgrade never feeds a session bytes it would misread.
	ErrUnknownVersion = errors.New("fanout: unknown envelope version")
	// ErrUnknownKind: the kind byte names no kind of this version.
	ErrUnknownKind = errors.New("fanout: unknown envelope kind")
	// ErrBadFlags: a flag bit that this version leaves unassigned is set.
	ErrBadFlags = errors.New("fanout: unknown envelope flags")
	// ErrTruncated: the envelope ends before its fields do.
	ErrTruncated = errors.New("fanout: truncated envelope")
	// ErrMalformed: a field is out of range, not canonically encoded, or
	// bytes follow the last field.
	ErrMalformed = errors.New("fanout: malformed envelope")
	// ErrFieldTooLong: an identifier is longer than MaxIDLen.
	ErrFieldTooLong = errors.New("fanout: envelope field too long")
)

// Bus and registry errors.
var (
	// ErrClosed: the bus or registry was closed.
	ErrClosed = errors.New("fanout: closed")
	// ErrQueueFull: the publish queue is full; the message was dropped and counted.
	ErrQueueFull = errors.New("fanout: publish queue full")
	// ErrBadChannel: the channel name is empty or holds characters that are
	// not allowed in a bus channel name.
	ErrBadChannel = errors.New("fanout: bad channel name")
	// ErrBadNodeID: a node id is empty, too long, or holds characters outside
	// [A-Za-z0-9._-].
	ErrBadNodeID = errors.New("fanout: bad node id")
	// ErrBadKeyPrefix: the Redis key prefix (REDIS_ADAPTER_KEY) is empty or
	// holds characters that would break channel names or hash tags.
	ErrBadKeyPrefix = errors.New("fanout: bad key prefix")
	// ErrAlreadySubscribed: the channel already has a handler.
	ErrAlreadySubscribed = errors.New("fanout: channel already subscribed")
	// ErrNotConnected: the bus has no working connection to its transport.
	ErrNotConnected = errors.New("fanout: bus not connected")
	// ErrPermission: the Redis user may not run a command sidecast needs;
	// errors wrapping it name the command and the ACL rule to grant.
	ErrPermission = errors.New("fanout: redis user lacks a permission sidecast needs")
	// ErrNotCluster: cluster mode is on (REDIS_CLUSTER, REDIS_CLUSTER_NODES
	// or several nodes in REDIS_URL) but the server is not a Redis Cluster.
	ErrNotCluster = errors.New("fanout: cluster mode is on but the Redis server is not a Redis Cluster (unset REDIS_CLUSTER and REDIS_CLUSTER_NODES, and name one node in REDIS_URL)")
	// ErrIsCluster: the server is a Redis Cluster node but cluster mode is off.
	ErrIsCluster = errors.New("fanout: the Redis server is a Redis Cluster node but cluster mode is off (set REDIS_CLUSTER=true)")
	// ErrConfig: a Redis setting is invalid; errors wrapping it are *ConfigError.
	ErrConfig = errors.New("fanout: invalid redis configuration")
)

// ErrUnauthenticated: with CLUSTER_SECRET set, a bus envelope without a
// valid tag (written without the secret, or by a cluster with another
// REDIS_ADAPTER_KEY) or whose sealed payload does not open.
var ErrUnauthenticated = errors.New("fanout: unauthenticated bus envelope")
