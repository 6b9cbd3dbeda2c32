// Command sidecast is a sidecar proxy that lets an unmodified single-node
// chat server (Socket.IO v4 or plain WebSocket) run on many nodes: one
// sidecast beside each backend, clients connect to sidecast, nodes talk
// through Redis.
//
// This package owns the process: configuration from the environment
// (config*.go, the only code that reads it), --help generated from the
// Config struct tags (help.go; the README's table is generated from the
// same tags and checked by a test), logging and secret redaction
// (logging.go, log_redact.go), the wiring of one node (node*.go), the
// operations endpoints and the drain (health.go, metrics*.go, admin.go,
// ops*.go, drain.go), signals and exit codes (main.go, serve.go), the
// `healthcheck` subcommand and `sidecast demo` (demo*.go; the demo page's
// HTML, style and script are embedded from web/).
//
// # Data flow
//
// run parses the command line and LoadConfig the environment; a bad value
// ends here with exit code 2, as does a value the proxy refuses. startNode
// builds the sticky router, the proxy, the bus DESIGN §9 picks (in-memory,
// or Redis: an unreachable Redis starts the node degraded, never stops it),
// the registry and the cluster (mirror sessions, unless MIRRORS=off), then
// serves one http.Server on SERVER_PORT: HEALTH_PATH is answered by
// sidecast, everything else passes the drain gate and the sticky router
// (forwards to a session's owner) to the proxy (upgrades become relayed
// sessions, other requests are reverse-proxied to BACKEND_URL). METRICS_PORT
// serves metrics, probes and the admin API on a second http.Server.
//
// # Goroutines
//
// The main goroutine owns the node: it waits for SIGINT/SIGTERM (a signal
// context) or for the server to fail, drains (tells clients to reconnect
// elsewhere at DRAIN_RATE), then calls node.Shutdown, which stops the
// listener, waits for plain HTTP requests, closes the cluster and every
// session with 1001, leaves the registry and closes the bus — each of those
// stops and waits for its own goroutines — all within DRAIN_TIMEOUT.
// node.serveLoop runs the client http.Server and is waited for by Shutdown;
// with MAX_CONNECTIONS_PER_IP its listener counts connections per client
// address (conn_limit.go; on the accept loop, no goroutine of its own).
// backendWatch.loop (backend_watch.go) starts with the cluster and is
// stopped and waited for by closeCluster: when the backend returns after an
// outage it asks the peers for snapshots, so mirrors lost with it are rebuilt.
// opsServer.serveLoop runs the METRICS_PORT server and is closed by serve
// after the node. In the demo, demoBackend.serveLoop serves each example
// backend (stopped and waited for by demoBackend.stop), demoPage.serveLoop
// serves the demo page on DEMO_PORT (closed by runDemo after the nodes,
// so the page answers while they shut down), watchNode goroutines
// forward a node's serving error and end with it (waitDemo waits for them),
// and each scripted client has a readLoop that demoClient.close stops and
// waits for.
//
// Exit codes (DESIGN §9): 0 after a clean shutdown, 2 for configuration
// errors, 1 for anything else.
package main
