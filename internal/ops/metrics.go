package ops

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sidecast/sidecast/internal/version"
)

// redisOpBuckets span a loopback round trip (<1ms) to a struggling remote
// Redis (seconds).
var redisOpBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

// newRedisOpHistogram is redis_operation_duration_seconds, the reference
// guide's histogram: real Redis round trips, observed by the bus
// (fanout.BusConfig.OnRoundTrip) as they happen.
func newRedisOpHistogram() *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "redis_operation_duration_seconds",
		Help:    "Redis operation latency in seconds: operation=publish is one pipelined publish batch, operation=selfcheck a probe published and received back through this node's subscription.",
		Buckets: redisOpBuckets,
	}, []string{"operation"})
}

// ObserveRedis is the bus's OnRoundTrip hook; it runs once per publish
// batch and per self-check probe, on the bus's goroutines.
func (o *Ops) ObserveRedis(op string, d time.Duration) {
	switch op {
	case "publish":
		o.redisPublish.Observe(d.Seconds())
	case "selfcheck":
		o.redisSelfCheck.Observe(d.Seconds())
	default:
		o.redisOps.WithLabelValues(op).Observe(d.Seconds())
	}
}

// newMetricsRegistry is the node's own Prometheus registry (never the
// global one: several nodes may share a process in tests and the demo).
// Everything but the histogram is read from the existing Stats snapshots
// at scrape time, so the relay's hot path pays nothing for metrics.
func (o *Ops) newMetricsRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		o.redisOps,
		&nodeCollector{o: o},
		newBuildInfo(version.Get()),
	)
	return reg
}

// metricsHandler serves /metrics from the node's registry.
func (o *Ops) metricsHandler() http.Handler {
	return promhttp.HandlerFor(o.newMetricsRegistry(), promhttp.HandlerOpts{ErrorLog: slogPrintln{o}})
}

// slogPrintln adapts the node's logger to promhttp's error log.
type slogPrintln struct{ o *Ops }

func (l slogPrintln) Println(v ...any) { l.o.log.Warn("metrics", "err", v) }
