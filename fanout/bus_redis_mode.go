package fanout

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// pubsubMode is how the Redis bus publishes and subscribes. On one server:
// PUBLISH/SUBSCRIBE, every channel on one subscription connection. On a
// Redis Cluster: SPUBLISH/SSUBSCRIBE, where a channel lives on the shard
// that owns its slot, so each channel gets its own subscription connection
// (to that shard's master) and a node's channel, named after the node,
// costs only its own shard. Plain PUBLISH on a cluster would be copied to
// every node of the cluster, which is what stops it from scaling.
type pubsubMode struct {
	sharded bool
}

// publishName is the command that publishes: PUBLISH, or SPUBLISH to the
// channel's shard.
func (m pubsubMode) publishName() string {
	if m.sharded {
		return "spublish"
	}
	return "publish"
}

func (m pubsubMode) publish(ctx context.Context, p redis.Pipeliner, ch string, msg []byte) *redis.IntCmd {
	if m.sharded {
		return p.SPublish(ctx, ch, msg)
	}
	return p.Publish(ctx, ch, msg)
}

// newPubSub returns a subscription with no channel yet; it connects when
// the first channel is subscribed (sharded: to that channel's shard).
func (m pubsubMode) newPubSub(ctx context.Context, c redis.UniversalClient) *redis.PubSub {
	if m.sharded {
		return c.SSubscribe(ctx)
	}
	return c.Subscribe(ctx)
}

// subscribe adds chans to ps. go-redis records them even when the command
// fails, and subscribes them again on every reconnect.
func (m pubsubMode) subscribe(ctx context.Context, ps *redis.PubSub, chans ...string) error {
	if m.sharded {
		return ps.SSubscribe(ctx, chans...)
	}
	return ps.Subscribe(ctx, chans...)
}

// confirms reports whether a subscription reply of this kind confirms a channel.
func (m pubsubMode) confirms(kind string) bool {
	if m.sharded {
		return kind == "ssubscribe"
	}
	return kind == "subscribe"
}

// dropped reports a reply by which the server ended a subscription that
// sidecast never ended: on a cluster, the channel's slot moved to another
// shard (slot migration, or a failover seen by a replica-turned-master's
// old clients).
func (m pubsubMode) dropped(kind string) bool { return m.sharded && kind == "sunsubscribe" }

// newRedisClient builds the client for rc: a ClusterClient in cluster
// mode, else a Client. addr names it in logs (never a password).
func newRedisClient(rc RedisConfig, log *slog.Logger) (c redis.UniversalClient, cl *redis.ClusterClient, mode pubsubMode, addr string, timeout time.Duration, err error) {
	if rc.ClusterMode() {
		co, err := rc.ClusterOptions(log)
		if err != nil {
			return nil, nil, mode, "", 0, err
		}
		cl = redis.NewClusterClient(co)
		return cl, cl, pubsubMode{sharded: true}, "cluster " + strings.Join(co.Addrs, ","), co.ReadTimeout, nil
	}
	opt, err := rc.Options(log)
	if err != nil {
		return nil, nil, mode, "", 0, err
	}
	return redis.NewClient(opt), nil, mode, opt.Addr, opt.ReadTimeout, nil
}

// reloadState makes a cluster client read the slot map again (in the
// background) after a failure that may mean a failover or a moved slot.
func (b *RedisBus) reloadState() {
	if b.cluster != nil {
		b.cluster.ReloadState(b.ctx)
	}
}

// shardOf names the master that serves full's slot, for log lines; "" on
// one server or when the slot map is not known.
func (b *RedisBus) shardOf(full string) string {
	if b.cluster == nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(b.ctx, time.Second)
	defer cancel()
	m, err := b.cluster.MasterForKey(ctx, full)
	if err != nil {
		return ""
	}
	return m.Options().Addr
}
