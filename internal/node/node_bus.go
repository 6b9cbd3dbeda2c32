package node

import (
	"context"
	"log/slog"
	"time"

	"github.com/sidecast/sidecast/fanout"
	"github.com/sidecast/sidecast/internal/config"
)

// newBus builds the bus that docs/design.md, Interface decisions (which bus), picks. An unreachable Redis,
// or one that refuses the credentials or the certificate, does not stop the
// node: it starts degraded, proxies locally, and the bus keeps retrying.
// onRoundTrip is told the Redis bus's round trips (the metrics histogram).
func newBus(ctx context.Context, cfg *config.Config, logger *slog.Logger, hub *fanout.MemoryHub, onRoundTrip func(string, time.Duration)) (fanout.Bus, error) {
	bc := fanout.BusConfig{NodeID: cfg.ServerID, Logger: logger, Secret: cfg.ClusterSecret, SecretScope: cfg.RedisAdapterKey}
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
	checkCtx, cancel := context.WithTimeout(ctx, cfg.RequestsTimeout())
	defer cancel()
	if err := bus.Check(checkCtx); err != nil {
		logger.Error("Redis is not usable yet: running degraded (local delivery only) and retrying", "err", err)
	}
	return bus, nil
}

// startRegistry registers the node and logs peers arriving and dying.
func (n *Node) startRegistry(ctx context.Context) error {
	reg, err := fanout.NewRegistry(n.bus, fanout.RegistryConfig{
		Address:           n.advertised,
		HeartbeatInterval: n.cfg.HeartbeatInterval,
		TTL:               n.cfg.HeartbeatTTL,
		OnChange:          n.onPeer,
		Logger:            n.log,
	})
	if err != nil {
		return err
	}
	startCtx, cancel := context.WithTimeout(ctx, n.cfg.RequestsTimeout())
	defer cancel()
	if err := reg.Start(startCtx); err != nil {
		return err
	}
	n.registry = reg
	return nil
}

// onPeer runs on the registry's goroutine; it logs and tells the cluster.
func (n *Node) onPeer(ev fanout.PeerEvent) {
	n.log.Info("peer "+ev.Kind.String(), "peer", ev.Peer.ID, "reason", ev.Reason)
	if c := n.cluster.Load(); c != nil {
		c.OnPeer(ev)
	}
}
