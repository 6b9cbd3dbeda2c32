package main

import (
	"context"
	"fmt"
	"time"

	"github.com/sidecast/sidecast/fanout"
)

// startCluster switches mirror sessions on (MIRRORS=on): the node's proxy
// reports every client session to the cluster, which mirrors it on every
// peer and opens mirrors here for the peers' sessions.
func (n *node) startCluster(ctx context.Context) error {
	if !n.cfg.MirrorsOn() {
		n.log.Info("mirror sessions are off (MIRRORS=off): each node serves only its own clients")
		return nil
	}
	local := make([]fanout.EventMatch, len(n.cfg.LocalMatches))
	for i, m := range n.cfg.LocalMatches {
		local[i] = fanout.EventMatch{Name: m.Name, Field: m.Field, Value: m.Value}
	}
	c := fanout.NewCluster(n.bus, n.registry, n.proxy, fanout.ClusterConfig{
		MirrorEvents:   n.cfg.MirrorEvents,
		ReplyEvents:    n.cfg.MirrorEventReply,
		LocalEvents:    local,
		EventField:     n.cfg.EventField,
		BarrierTimeout: n.cfg.RequestsTimeout(),
		ReplyTimeout:   n.cfg.ReplyTimeout,
		ReleaseGrace:   n.cfg.ReleaseGrace,
		EchoWindow:     n.cfg.EchoWindow,
		AckTTL:         n.cfg.AckTTL,
		MirrorSettle:   n.cfg.MirrorSettle,
		CoalesceWindow: coalesceWindow(n.cfg.CoalesceWindow),
		DialTimeout:    n.cfg.HandshakeTimeout,
		Logger:         n.log,
	})
	// Stored first so no peer event between Start's look at the peers and
	// the store is lost.
	n.cluster.Store(c)
	startCtx, cancel := context.WithTimeout(ctx, n.cfg.RequestsTimeout())
	defer cancel()
	if err := c.Start(startCtx); err != nil {
		n.cluster.Store(nil)
		_ = c.Close()
		return fmt.Errorf("start mirror sessions: %w", err)
	}
	n.proxy.SetCluster(c)
	n.watch = startBackendWatch(n.ops.backend.reachable, n.ops.backend.downCount, c.BackendReturned, backendProbeTTL, n.log)
	return nil
}

// closeCluster closes every mirror before the proxy and the bus go.
func (n *node) closeCluster() {
	n.watch.close()
	if c := n.cluster.Load(); c != nil {
		_ = c.Close()
	}
}

// clusterStats returns the mirror counters, or false with mirrors off.
func (n *node) clusterStats() (fanout.ClusterStats, bool) {
	if c := n.cluster.Load(); c != nil {
		return c.Stats(), true
	}
	return fanout.ClusterStats{}, false
}

// coalesceWindow maps COALESCE_WINDOW=0 (off) to the fanout's "off".
func coalesceWindow(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}
