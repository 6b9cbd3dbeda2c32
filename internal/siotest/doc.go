// Package siotest runs the real Node Socket.IO peers for tests: the example
// chat server (examples/socketio-chat) and scriptable socket.io-client peers
// (peer/peer.js), plus a table of scenarios that runs against any target URL —
// the backend directly, or sidecast in front of it — so the same assertions
// measure the backend's own behaviour and the proxy's faithfulness.
//
// Requirements: node on PATH and `npm ci` run once in examples/socketio-chat
// and in internal/siotest/peer. A missing piece fails the test with the
// command that fixes it; nothing is installed behind the test's back.
//
// Goroutines: each Server and Peer owns one goroutine that reads its
// process's stdout (readLoop); t.Cleanup stops the process and waits for it.
package siotest
