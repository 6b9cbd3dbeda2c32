package fanout

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Registry records in Redis: "<prefix>:sidecast:{<prefix>}:node:<id>" holds
// a node's record with a TTL Redis enforces (no clock comparison between
// nodes), and the set "<prefix>:sidecast:{<prefix>}:nodes" names the ids, so
// listing needs neither KEYS nor SCAN. The shared hash tag keeps every
// registry key in one cluster slot: SADD, SMEMBERS, MGET and SREM never
// cross slots.

// PutPresence stores id's record for ttl and adds id to the node set.
func (b *RedisBus) PutPresence(ctx context.Context, id string, record []byte, ttl time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	_, err := b.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, b.keys.nodeKey(id), record, ttl)
		p.SAdd(ctx, b.keys.nodesKey(), id)
		return nil
	})
	if err != nil {
		b.reloadState() // on a cluster: the registry's shard may have a new master
		return fmt.Errorf("fanout: redis %s: store presence: %w", b.addr, err)
	}
	return nil
}

// DeletePresence removes id's record and its set entry.
func (b *RedisBus) DeletePresence(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	_, err := b.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, b.keys.nodeKey(id))
		p.SRem(ctx, b.keys.nodesKey(), id)
		return nil
	})
	if err != nil {
		b.reloadState() // on a cluster: the registry's shard may have a new master
		return fmt.Errorf("fanout: redis %s: delete presence: %w", b.addr, err)
	}
	return nil
}

// ListPresence calls fn for every live record and prunes set entries whose
// record has expired.
func (b *RedisBus) ListPresence(ctx context.Context, fn func(id string, record []byte)) error {
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	ids, err := b.client.SMembers(ctx, b.keys.nodesKey()).Result()
	if err != nil {
		b.reloadState() // on a cluster: the registry's shard may have a new master
		return fmt.Errorf("fanout: redis %s: list presence: %w", b.addr, err)
	}
	if len(ids) == 0 {
		return nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = b.keys.nodeKey(id)
	}
	vals, err := b.client.MGet(ctx, keys...).Result()
	if err != nil {
		b.reloadState() // on a cluster: the registry's shard may have a new master
		return fmt.Errorf("fanout: redis %s: read presence: %w", b.addr, err)
	}
	var gone []any
	for i, v := range vals {
		s, ok := v.(string)
		if !ok {
			gone = append(gone, ids[i])
			continue
		}
		fn(ids[i], []byte(s))
	}
	if len(gone) > 0 {
		// Best effort: a record that reappears meanwhile re-adds itself on
		// its next heartbeat.
		_ = b.client.SRem(ctx, b.keys.nodesKey(), gone...).Err()
	}
	return nil
}
