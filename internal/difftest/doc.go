// Package difftest is the differential oracle suite of docs/design.md,
// Contract: the same
// scripted scenario is played twice — once with every client on one backend
// directly (the oracle), once with the clients spread over sidecast nodes,
// each in front of its own backend — and every client must have received the
// same events: same names, same payloads once ids and timestamps are
// normalised, none missing, none duplicated, none leaked, each sender's
// events in order.
//
// # Data flow
//
// A Scenario is a Go function over a *Script. The Script drives real peers —
// socket.io-client sockets in one Node process (Peer, running the siotest
// peer script) or Go WebSocket clients (wsClient) — against a World, which
// says where client k connects (ClientURL), where backend k answers plain
// HTTP (BackendURL) and how node k is killed, paused or started late. Every
// observation (event, ack, connect, disconnect) lands in one inbox, in
// arrival order per client. Play runs a scenario, waits for quiescence with
// markers sent through the same paths as the traffic (an announcement from
// every live node), and turns the inbox into normalised Streams; Compare
// diffs an oracle's Streams against a cluster's.
//
// The Worlds themselves live with the code that can start sidecast nodes
// (internal/e2e's tests): the oracle, a cluster on the in-memory bus in
// one process, and a cluster of sidecast processes over a real redis-server.
//
// # Running it
//
// TestDifferential in the repository root plays every scenario on the
// oracle, on an in-memory cluster, on sidecast processes over a real
// redis-server and, as the negative control, with MIRRORS=off (where every
// scenario must fail); it prints one line per scenario and run, then
// "N passed, N failed":
//
//	go test -run TestDifferential -v .
//
// It needs node with `npm ci` run in examples/socketio-chat,
// examples/socketio-notice and internal/siotest/peer, and redis-server on
// PATH; a missing piece fails the test with the fix. DIFFTEST_KEEP_LOGS=1
// keeps the nodes' logs of passing runs too (failing runs always keep them
// and name the folder).
//
// # Goroutines
//
// Peer owns readLoop (reads the Node process's stdout until it exits);
// Close ends the process and waits for it. Each wsClient owns readLoop;
// its close stops and waits for it. A Script owns every peer and client it
// opened and closes them all in Close. Nothing else starts goroutines.
package difftest
