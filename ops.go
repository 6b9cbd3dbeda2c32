package main

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// nodeOps is what the operations side of a node keeps: the drain state,
// the cached backend probe and the Redis latency histogram the bus feeds.
// Everything else it reports is read from the parts' Stats at request time.
type nodeOps struct {
	draining atomic.Bool   // set once by drain; health, readiness and the gate read it
	drained  atomic.Uint64 // sessions the drain told to reconnect elsewhere
	backend  *backendProbe
	redisOps *prometheus.HistogramVec

	// The two operations the bus reports, resolved once.
	redisPublish, redisSelfCheck prometheus.Observer
}

// initOps runs in startNode before the bus is built (the bus feeds redisOps).
func (n *node) initOps() {
	n.ops.backend = newBackendProbe(n.cfg.Backend)
	n.ops.redisOps = newRedisOpHistogram()
	n.ops.redisPublish = n.ops.redisOps.WithLabelValues("publish")
	n.ops.redisSelfCheck = n.ops.redisOps.WithLabelValues("selfcheck")
}
