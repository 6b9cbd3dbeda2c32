// Command sidecast is a sidecar proxy that lets an unmodified single-node
// chat server (Socket.IO v4 or plain WebSocket) run on many nodes: one
// sidecast beside each backend, clients connect to sidecast, nodes talk
// through Redis.
//
// This package is only the command line: main.go parses the arguments,
// loads the configuration (internal/config, the only code that reads the
// environment), builds the logger (internal/ops) and hands over to one of
// the application packages: internal/node serves a node until SIGINT or
// SIGTERM and drains it, internal/demo runs `sidecast demo`, and
// internal/ops answers `sidecast healthcheck`. It turns what they return
// into the exit code (docs/design.md, Exit codes): 0 after a clean
// shutdown, 2 for a configuration or usage error, 1 for anything else.
//
// The map of the repository and the direction of its imports are in
// docs/design.md, Layout.
package main
