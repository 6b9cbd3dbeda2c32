package fanout

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Check tells at start-up whether Redis is usable and, if not, why: it
// must be reachable, accept the credentials and certificate, and allow
// every command sidecast sends on its own keys and channels. It runs each
// of them once on a probe key that expires by itself. A refused command
// gives an error wrapping ErrPermission that names it; a server whose
// kind does not match the configured mode gives ErrNotCluster or
// ErrIsCluster.
func (b *RedisBus) Check(ctx context.Context) error {
	if err := b.client.Ping(ctx).Err(); err != nil {
		if b.cluster != nil && isNotClusterReply(err) {
			return fmt.Errorf("%w: %s: %v", ErrNotCluster, b.addr, err)
		}
		return fmt.Errorf("fanout: redis %s: %w", b.addr, err)
	}
	if b.cluster == nil && b.serverIsCluster(ctx) {
		return fmt.Errorf("%w: %s", ErrIsCluster, b.addr)
	}
	key, set := b.keys.probeKeys(b.cfg.NodeID)
	probes := []struct {
		name string
		run  func(p redis.Pipeliner) redis.Cmder
	}{
		{"set", func(p redis.Pipeliner) redis.Cmder { return p.Set(ctx, key, "probe", 10*time.Second) }},
		{"mget", func(p redis.Pipeliner) redis.Cmder { return p.MGet(ctx, key) }},
		{"sadd", func(p redis.Pipeliner) redis.Cmder { return p.SAdd(ctx, set, "probe") }},
		{"smembers", func(p redis.Pipeliner) redis.Cmder { return p.SMembers(ctx, set) }},
		{"srem", func(p redis.Pipeliner) redis.Cmder { return p.SRem(ctx, set, "probe") }},
		{"del", func(p redis.Pipeliner) redis.Cmder { return p.Del(ctx, key) }},
		// On a channel nobody subscribes: an empty message on the node's own
		// channel would reach its subscription and be refused as malformed.
		{b.publishName(), func(p redis.Pipeliner) redis.Cmder {
			return b.mode.publish(ctx, p, b.keys.channel(Channel("check:"+b.cfg.NodeID)), nil)
		}},
	}
	pipe := b.client.Pipeline()
	cmds := make([]redis.Cmder, len(probes))
	for i, pr := range probes {
		cmds[i] = pr.run(pipe)
	}
	_, _ = pipe.Exec(ctx)
	for i, c := range cmds {
		if err := c.Err(); err != nil {
			if strings.HasPrefix(err.Error(), "NOPERM") {
				return fmt.Errorf("%w: %s refused (%v); grant: ACL SETUSER <user> %s",
					ErrPermission, strings.ToUpper(probes[i].name), err, ACLRule(b.keys.prefix))
			}
			if b.cluster == nil && isClusterReply(err) {
				return fmt.Errorf("%w: %s: %s: %v", ErrIsCluster, b.addr, probes[i].name, err)
			}
			return fmt.Errorf("fanout: redis %s: %s: %w", b.addr, probes[i].name, err)
		}
	}
	return nil
}

func (b *RedisBus) publishName() string {
	if b.mode.sharded {
		return "spublish"
	}
	return "publish"
}

// serverIsCluster asks INFO whether a server reached in single-server mode
// is a cluster node. A user that may not run INFO (the least-privilege ACL
// rule leaves it out) gets no answer here; a MOVED reply to a probe still
// tells.
func (b *RedisBus) serverIsCluster(ctx context.Context) bool {
	info, err := b.client.Info(ctx, "cluster").Result()
	return err == nil && strings.Contains(info, "cluster_enabled:1")
}

// isNotClusterReply matches what a server without cluster support answers
// to CLUSTER SLOTS, which a cluster client sends first.
func isNotClusterReply(err error) bool {
	return strings.Contains(err.Error(), "cluster support disabled")
}

// isClusterReply matches the redirections and errors only a cluster node sends.
func isClusterReply(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "MOVED ") || strings.HasPrefix(msg, "ASK ") ||
		strings.HasPrefix(msg, "CROSSSLOT") || strings.HasPrefix(msg, "CLUSTERDOWN")
}
