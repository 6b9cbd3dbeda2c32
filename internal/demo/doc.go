// Package demo runs `sidecast demo`: two nodes in one process, each in front
// of its own examples/wschat backend, joined by the in-memory bus (or by
// Redis when the configuration names one), a scripted conversation printed
// line by line, and a page on DEMO_PORT with a chat pane through each node
// and their live numbers. The page's HTML, style and script are embedded
// from web/.
//
// It also exports the scripted WebSocket client (Client, Dial), which the
// process-level tests (internal/e2e) use to drive nodes.
//
// # Goroutines
//
// demoBackend.serveLoop serves each example backend (stopped and waited for
// by demoBackend.stop); demoPage.serveLoop serves the page (closed by Run
// after the nodes, so the page answers while they shut down); watchNode
// goroutines forward a node's serving error and end with it (waitDemo waits
// for them); each Client has a readLoop that Close stops and waits for.
//
// demo imports internal/config, internal/node, internal/ops and the core
// packages.
package demo
