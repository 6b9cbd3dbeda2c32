// Command sidecast is a sidecar proxy that lets an unmodified single-node
// chat server (Socket.IO v4 or plain WebSocket) run on many nodes: one
// sidecast beside each backend, clients connect to sidecast, nodes talk
// through Redis.
//
// This package owns the process: configuration from the environment
// (config*.go, the only code that reads it), --help generated from the
// Config struct tags (help.go), logging (logging.go), the wiring of one node
// (node.go, node_bus.go), signals and exit codes (main.go, serve.go) and
// `sidecast demo` (demo*.go).
//
// # Data flow
//
// run parses the command line and LoadConfig the environment; a bad value
// ends here with exit code 2. startNode builds the proxy (proxy.New), the
// bus DESIGN §9 picks (fanout memory bus, or Redis: an unreachable Redis
// starts the node degraded, never stops it) and the registry, then serves
// one http.Server on the listener: HEALTH_PATH is answered by sidecast
// (health.go), everything else goes through the drain gate (drain.go) to the
// proxy (upgrades become relayed sessions, other requests are
// reverse-proxied to BACKEND_URL).
//
// # Operations
//
// serve also runs a second http.Server on METRICS_PORT (ops_server.go):
// /metrics from the node's own Prometheus registry (metrics*.go: a collector
// that reads the proxy's, bus's, cluster's and router's Stats at scrape time,
// plus redis_operation_duration_seconds, fed by the bus's OnRoundTrip hook),
// /livez, /readyz, and the admin API behind ADMIN_TOKEN (admin.go). The
// backend probe (backend_probe.go) dials BACKEND_URL at most once a second,
// on whichever request asks first; it owns no goroutine. Every log line goes
// through redactHandler (log_redact.go), which replaces configured secrets.
//
// # Goroutines
//
// The main goroutine owns the node: it waits for SIGINT/SIGTERM (a signal
// context) or for the server to fail. After a signal it drains (node.drain:
// not ready, new sessions refused, open ones told to reconnect elsewhere at
// DRAIN_RATE), then calls node.Shutdown, which stops
// the listener, waits (DRAIN_TIMEOUT) for plain HTTP requests, closes every
// session left with 1001, leaves the registry and closes the bus — each of those
// stops and waits for its own goroutines. node.serveLoop runs http.Server
// and is waited for by Shutdown. In the demo, demoBackend.serveLoop serves
// the example backend (stopped and waited for by demoBackend.stop) and each
// scripted client has a readLoop that demoClient.close stops and waits for.
//
// Exit codes (DESIGN §9): 0 after a clean shutdown, 2 for configuration
// errors, 1 for anything else.
package main
