// Package conformance proves sidecast's Engine.IO and Socket.IO wire
// behaviour identical to the reference servers': a table of raw exchanges
// (HTTP long-polling requests, websocket frames, upgrades, timeouts, bad
// input) is played once against the real engine.io or socket.io server
// (the Node peer in peer/, pinned in its package-lock.json) and once
// against sidecast in front of that same server, and the answers are
// compared status by status and packet by packet. A difference fails the
// test unless the exchange lists it as allowed, with the reason.
//
// StartPeer runs the Node peer; the exchanges and the player live in the
// package's tests. Each exchange runs on the test's goroutine, except a
// request that must stay pending while later steps run: it has its own
// goroutine, which the exchange waits for before it ends.
package conformance
