package fanout

import (
	"fmt"
	"strings"
)

// ValidateNodeID checks a node id (SERVER_ID): 1..64 bytes of [A-Za-z0-9._-].
// The id becomes part of channel and key names, so the alphabet keeps them
// clear of Redis glob and hash-tag characters and of the native adapter's '#'.
func ValidateNodeID(id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("%w: length %d, want 1..64", ErrBadNodeID, len(id))
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("%w: byte %q at %d, want [A-Za-z0-9._-]", ErrBadNodeID, c, i)
		}
	}
	return nil
}

// ValidateKeyPrefix checks REDIS_ADAPTER_KEY: printable ASCII without space
// and without the characters that are special in Redis glob patterns, hash
// tags or the native adapter's channel names ({ } [ ] * ? \ # ").
func ValidateKeyPrefix(p string) error {
	if p == "" || len(p) > 128 {
		return fmt.Errorf("%w: length %d, want 1..128", ErrBadKeyPrefix, len(p))
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`{}[]*?\#"`, c) >= 0 {
			return fmt.Errorf("%w: byte %q at %d", ErrBadKeyPrefix, c, i)
		}
	}
	return nil
}

// validChannel reports whether ch is a name the buses accept.
func validChannel(ch Channel) bool {
	if ch == "" || len(ch) > 200 {
		return false
	}
	for i := 0; i < len(ch); i++ {
		c := ch[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`{}[]*?\#"`, c) >= 0 {
			return false
		}
	}
	return true
}

// keyspace names everything a Redis bus touches. Channels are
// "<prefix>:sidecast:<channel>": never "<prefix>#…", the native adapter's
// shape. Registry keys share the hash tag "{<prefix>}" so a cluster keeps
// them in one slot and no registry command crosses slots; channels carry no
// tag, so sharded pub/sub spreads node channels over the shards.
type keyspace struct {
	prefix string
}

func (k keyspace) channel(ch Channel) string { return k.prefix + ":sidecast:" + string(ch) }
func (k keyspace) nodesKey() string          { return k.prefix + ":sidecast:{" + k.prefix + "}:nodes" }
func (k keyspace) nodeKey(id string) string {
	return k.prefix + ":sidecast:{" + k.prefix + "}:node:" + id
}

// probeKeys are the key and set Check writes (and deletes) on start-up.
func (k keyspace) probeKeys(id string) (key, set string) {
	base := k.prefix + ":sidecast:{" + k.prefix + "}:probe:" + id
	return base, base + ":set"
}
