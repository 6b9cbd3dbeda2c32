// Package ops owns a node's operations side: HEALTH_PATH and the probes
// (/livez, /readyz) with their one readiness rule, the Prometheus metrics
// (read from the parts' Stats snapshots at scrape time, so the relay's hot
// path pays nothing), the admin API behind ADMIN_TOKEN, the drain that
// tells clients to reconnect elsewhere on SIGTERM, the cached backend
// probe, the process logger with secret redaction, and the `sidecast
// healthcheck` command.
//
// # Data flow
//
// The node builds an Ops with New before its bus (the bus reports Redis
// round trips to ObserveRedis), then hands over its running parts with
// Attach (the proxy, the bus, the sticky router and the cluster's and
// registry's views, among them the peers whose settings disagree, which
// HEALTH_PATH lists and sidecast_peer_config_mismatch counts). Every handler reads those parts when a request comes;
// Ops keeps only the drain state, the probe's cache and the histogram.
//
// # Goroutines
//
// StartServer serves Handler on METRICS_PORT in Server.serveLoop, owned by
// whoever called StartServer (internal/node's Serve), which stops and waits
// for it with Close after the node has drained, so probes and metrics stay
// up meanwhile. Drain runs on its caller's goroutine. Nothing else here
// starts a goroutine: handlers run on the HTTP server's.
//
// ops imports internal/config and the core packages (proxy, fanout,
// sticky); never internal/node, which imports it.
package ops
