package node

import (
	"context"
	"log/slog"
	"time"

	"github.com/sidecast/sidecast/fanout"
	"github.com/sidecast/sidecast/internal/config"
	"github.com/sidecast/sidecast/internal/eventlist"
)

// newBus builds the bus that docs/design.md, Interface decisions (which
// bus), picks. It never waits for Redis: an unreachable Redis, or one that
// refuses the credentials or the certificate, does not stop or delay the
// node; joinLoop checks it in the background while the node serves
// degraded.
// outage, shared with the registry, logs Redis outages at a bounded rate;
// onRoundTrip is told the Redis bus's round trips (the metrics histogram).
func newBus(cfg *config.Config, logger *slog.Logger, hub *fanout.MemoryHub, outage *fanout.OutageLog, onRoundTrip func(string, time.Duration)) (fanout.Bus, error) {
	bc := fanout.BusConfig{NodeID: cfg.ServerID, Logger: logger, Outage: outage, Secret: cfg.ClusterSecret, SecretScope: cfg.RedisAdapterKey}
	if !cfg.Bus.Redis {
		if hub == nil {
			logger.Info("running single-node on the in-memory bus", "why", cfg.Bus.Why)
			hub = fanout.NewMemoryHub()
		} else {
			logger.Info("joining the other nodes of this process on the in-memory bus")
		}
		return hub.NewBus(bc)
	}
	bc.OnRoundTrip = onRoundTrip
	bus, err := fanout.NewRedisBus(bc, cfg.Redis)
	if err != nil {
		return nil, config.FromFanout(err, cfg.RedisURL)
	}
	logger.Info("joining the cluster through Redis", "redis", cfg.RedisShown, "why", cfg.Bus.Why, "key", cfg.RedisAdapterKey)
	return bus, nil
}

// newRegistry prepares the registry that registers the node, announces its
// settings and logs peers arriving and dying; joinLoop starts it.
func (n *Node) newRegistry() error {
	reg, err := fanout.NewRegistry(n.bus, fanout.RegistryConfig{
		Address:           n.advertised,
		Settings:          announcedSettings(n.cfg),
		HeartbeatInterval: n.cfg.HeartbeatInterval,
		TTL:               n.cfg.HeartbeatTTL,
		OnChange:          n.onPeer,
		Logger:            n.log,
		Outage:            n.outage,
	})
	if err != nil {
		return err
	}
	n.registry = reg
	return nil
}

// announcedSettings are the settings peers compare with theirs; event
// lists are written in their own syntax, so each entry reads unambiguously.
func announcedSettings(cfg *config.Config) fanout.Settings {
	mirror := make([]string, len(cfg.MirrorEvents))
	for i, name := range cfg.MirrorEvents {
		mirror[i] = eventlist.Quote(name)
	}
	local := make([]string, len(cfg.LocalMatches))
	for i, m := range cfg.LocalMatches {
		local[i] = m.String()
	}
	return fanout.Settings{Protocol: cfg.Protocol, MirrorEvents: mirror, LocalEvents: local, EventField: cfg.EventField}
}

// startJoin joins the cluster: at once on the in-memory bus, whose
// subscriptions never wait, and on Redis in the background (joinLoop), so
// the client port serves whatever Redis does (docs/design.md, Interface
// decisions: Redis at start-up). Shutdown stops and waits for joinLoop.
func (n *Node) startJoin(ctx context.Context) {
	ctx, n.stopJoin = context.WithCancel(ctx)
	n.joined = make(chan struct{})
	if !n.cfg.Bus.Redis {
		n.joinLoop(ctx)
		return
	}
	go n.joinLoop(ctx)
}

// joinLoop checks Redis (logging why it is not usable yet), then starts
// the registry and the mirrors, each waiting at most
// REDIS_REQUESTS_TIMEOUT for its subscription. Whatever is not subscribed
// by then is subscribed by the bus when Redis answers, and peers arrive
// through the registry's polls then, so the node joins late, never not at
// all.
func (n *Node) joinLoop(ctx context.Context) {
	defer close(n.joined)
	if rb, ok := n.bus.(*fanout.RedisBus); ok {
		checkCtx, cancel := context.WithTimeout(ctx, n.cfg.RequestsTimeout())
		if err := rb.Check(checkCtx); err != nil && ctx.Err() == nil {
			n.log.Error("Redis is not usable yet: running degraded (local delivery only) and retrying", "err", err)
		}
		cancel()
	}
	startCtx, cancel := context.WithTimeout(ctx, n.cfg.RequestsTimeout())
	defer cancel()
	if err := n.registry.Start(startCtx); err != nil {
		n.log.Error("the registry did not start: this node stays out of the cluster", "err", err)
		return
	}
	if c := n.cluster.Load(); c != nil {
		startCtx, cancel := context.WithTimeout(ctx, n.cfg.RequestsTimeout())
		defer cancel()
		if err := c.Start(startCtx); err != nil {
			n.log.Error("mirror sessions did not start: this node mirrors nothing", "err", err)
		}
	}
}

// onPeer runs on the registry's goroutine; it logs and tells the cluster.
func (n *Node) onPeer(ev fanout.PeerEvent) {
	n.log.Info("peer "+ev.Kind.String(), "peer", ev.Peer.ID, "reason", ev.Reason)
	if c := n.cluster.Load(); c != nil {
		c.OnPeer(ev)
	}
}
