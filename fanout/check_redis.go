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
// gives an error wrapping ErrPermission that names it.
func (b *RedisBus) Check(ctx context.Context) error {
	if err := b.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("fanout: redis %s: %w", b.addr, err)
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
		{"publish", func(p redis.Pipeliner) redis.Cmder { return p.Publish(ctx, b.keys.channel(b.own), "") }},
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
			return fmt.Errorf("fanout: redis %s: %s: %w", b.addr, probes[i].name, err)
		}
	}
	return nil
}
