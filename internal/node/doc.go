// Package node assembles one sidecast node from the core packages and
// serves it: the sticky router in front (header hygiene, forwarding to a
// session's owner), the proxy (upgrades become relayed sessions, other
// requests are reverse-proxied to BACKEND_URL), the bus chosen by the
// configuration (in-memory, or Redis: an unreachable Redis starts the node
// degraded, never stops it), the registry and the cluster (mirror sessions,
// unless MIRRORS=off), and the operations side (internal/ops) that reports
// on them.
//
// # Data flow
//
// Start builds the parts in that order and serves one http.Server on the
// listener it is given: HEALTH_PATH is answered by ops, everything else
// passes the drain gate and the sticky router to the proxy. With
// MAX_CONNECTIONS_PER_IP the listener counts connections per client address
// (conn_limit.go, on the accept loop). Serve is the whole life of the
// process's node: listen on SERVER_PORT, Start, start the ops server, wait
// for the context (SIGINT/SIGTERM) or a serving error, drain, Shutdown.
//
// # Goroutines
//
// Node.serveLoop runs the client http.Server; Node.joinLoop (node_bus.go)
// joins the cluster behind it: it checks Redis, starts the registry and the
// mirrors, each waiting for Redis at most REDIS_REQUESTS_TIMEOUT, so the
// client port serves at once whatever Redis does (on the in-memory bus it
// runs inside Start, which never waits). Shutdown stops serveLoop and waits
// for it, ends joinLoop's waits and waits for it, then closes the cluster,
// every session (1001), the registry and the bus, each of which stops and
// waits for its own goroutines. backendWatch.loop starts after the cluster
// and is stopped and waited for by closeCluster: it logs a backend outage
// when it starts, every OUTAGE_LOG_INTERVAL while it lasts and when it
// ends, and when the backend returns it asks the peers for snapshots, so
// mirrors lost with it are rebuilt.
//
// node imports internal/config, internal/ops and the core packages; only
// the command line (the root package) and internal/demo import it.
package node
