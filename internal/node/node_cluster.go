package node

import (
	"github.com/sidecast/sidecast/fanout"
	"github.com/sidecast/sidecast/internal/ops"
)

// newCluster switches mirror sessions on (MIRRORS=on): the node's proxy
// reports every client session to the cluster, which mirrors it on every
// peer and opens mirrors here for the peers' sessions. joinLoop starts
// it; until then (Redis not answering) it knows no peer, and sessions
// opened meanwhile reach the peers as snapshots when they arrive.
func (n *Node) newCluster() {
	if !n.cfg.MirrorsOn() {
		n.log.Info("mirror sessions are off (MIRRORS=off): each node serves only its own clients")
		return
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
		BackendRetry:   n.cfg.BackendRetry,
		CoalesceWindow: n.cfg.FanoutCoalesceWindow(),
		DialTimeout:    n.cfg.HandshakeTimeout,
		Logger:         n.log,
	})
	// Stored before the registry starts, so no peer event is lost.
	n.cluster.Store(c)
	n.proxy.SetCluster(c)
}

// startBackendWatch starts the watch that logs backend outages and, with
// mirror sessions, rebuilds the mirrors when the backend returns.
func (n *Node) startBackendWatch() {
	var returned func()
	if c := n.cluster.Load(); c != nil {
		returned = c.BackendReturned
	}
	n.watch = startBackendWatch(backendWatchConfig{
		probe: n.ops.BackendReachable, downs: n.ops.BackendDowns, returned: returned,
		every: ops.BackendProbeTTL, logEvery: n.cfg.OutageLogInterval, backend: n.cfg.Backend.String(), log: n.log,
	})
}

// closeCluster closes every mirror before the proxy and the bus go.
func (n *Node) closeCluster() {
	n.watch.close()
	if c := n.cluster.Load(); c != nil {
		_ = c.Close()
	}
}

// ClusterStats returns the mirror counters, or false with mirrors off.
func (n *Node) ClusterStats() (fanout.ClusterStats, bool) {
	if c := n.cluster.Load(); c != nil {
		return c.Stats(), true
	}
	return fanout.ClusterStats{}, false
}
