// Package e2e holds sidecast's process-level tests: they build the sidecast
// binary once (TestMain) and run it as users do, or start nodes in process
// through internal/node, against real parts — redis-server (plain, TLS, ACL,
// Redis Cluster), the example backends (examples/wschat in process, the
// Node.js Socket.IO servers as processes), the real socket.io-client, nginx
// and HAProxy in front, and headless Chromium for the demo page. The
// package has no product code; README.md beside this file says how to run a
// subset.
package e2e
