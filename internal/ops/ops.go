package ops

import (
	"log/slog"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sidecast/sidecast/fanout"
	"github.com/sidecast/sidecast/internal/config"
	"github.com/sidecast/sidecast/proxy"
	"github.com/sidecast/sidecast/sticky"
)

// Parts are the running parts of a node that operations report on; the
// node hands them over once it has built them (Ops.Attach). Every field
// is required.
type Parts struct {
	Proxy  *proxy.Server
	Bus    fanout.Bus
	Router *sticky.Router
	// Cluster returns the mirror counters, or false with MIRRORS=off.
	Cluster func() (fanout.ClusterStats, bool)
	// LivePeers lists the peers the registry sees alive now.
	LivePeers func() []fanout.Peer
	// PeerMismatches lists where live nodes' settings differ from this
	// node's (fanout.Registry.Mismatches).
	PeerMismatches func() []fanout.Mismatch
	// ListenerDrops counts connections the client listener closed before
	// a session existed: an unfinished request, and (with
	// MAX_CONNECTIONS_PER_IP) refused per-IP connections.
	ListenerDrops func() (unfinished, perIP uint64)
}

// Ops is what the operations side of a node keeps: the drain state, the
// cached backend probe and the Redis latency histogram the bus feeds.
// Everything else it reports is read from the parts' Stats at request time.
// New builds it before the bus (the bus feeds ObserveRedis); Attach hands
// it the parts before any request is served.
type Ops struct {
	cfg   *config.Config
	log   *slog.Logger
	parts Parts

	draining atomic.Bool   // set once by Drain; health, readiness and the gate read it
	drained  atomic.Uint64 // sessions the drain told to reconnect elsewhere
	backend  *backendProbe
	redisOps *prometheus.HistogramVec

	// The two operations the bus reports, resolved once.
	redisPublish, redisSelfCheck prometheus.Observer
}

// New builds the operations side of the node configured by cfg.
func New(cfg *config.Config, logger *slog.Logger) *Ops {
	o := &Ops{cfg: cfg, log: logger, backend: newBackendProbe(cfg.Backend), redisOps: newRedisOpHistogram()}
	o.redisPublish = o.redisOps.WithLabelValues("publish")
	o.redisSelfCheck = o.redisOps.WithLabelValues("selfcheck")
	return o
}

// Attach hands over the node's parts; it runs once, before serving.
func (o *Ops) Attach(p Parts) { o.parts = p }

// BackendReachable is the cached backend probe's answer.
func (o *Ops) BackendReachable() bool { return o.backend.reachable() }

// BackendDowns counts the probe's up-to-down transitions (the backend
// watch rebuilds mirrors after each).
func (o *Ops) BackendDowns() uint64 { return o.backend.downCount() }
