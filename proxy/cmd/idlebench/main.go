// Command idlebench measures what an idle proxied WebSocket session costs:
// it opens many idle sessions through sidecast's proxy and through a naive
// goroutine-per-direction proxy built as the baseline, and reports goroutines
// and resident memory per session for each.
//
// Each part runs in its own process (the same binary with -role): a backend
// that upgrades and holds sockets without a goroutine each, the proxy under
// test, and the clients. The orchestrator (the default role) starts them,
// reads the proxy's /stats before and after the sessions open, and prints a
// table. Usage:
//
//	go run ./proxy/cmd/idlebench -sessions 9000
//
// A proxied session holds two descriptors in the proxy process, so 9,000
// sessions fit a 20,000 open-file limit.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	role := flag.String("role", "run", "run (orchestrate), backend, proxy or clients")
	sessions := flag.Int("sessions", 9000, "idle sessions to open")
	mode := flag.String("mode", "sidecast", "proxy role: sidecast or naive")
	target := flag.String("target", "", "backend role: unused; proxy role: backend address; clients role: proxy address")
	flag.Parse()
	var err error
	switch *role {
	case "run":
		err = orchestrate(*sessions)
	case "backend":
		err = runBackend()
	case "proxy":
		err = runProxy(*mode, *target)
	case "clients":
		err = runClients(*target, *sessions)
	default:
		err = fmt.Errorf("unknown role %q", *role)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "idlebench:", err)
		os.Exit(1)
	}
}
