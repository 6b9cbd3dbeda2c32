package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	role := flag.String("role", "run", "run | backend | sidecast | naive | clients")
	n := flag.Int("n", 9000, "idle sessions to open")
	backend := flag.String("backend", "", "backend address (proxy roles)")
	target := flag.String("target", "", "proxy address (clients role)")
	proxies := flag.String("proxies", "sidecast,naive", "proxies to measure, in order (run role)")
	flag.Parse()

	var err error
	switch *role {
	case "run":
		err = runAll(*n, *proxies)
	case "backend":
		err = serveBackend()
	case "sidecast":
		err = serveSidecast(*backend)
	case "naive":
		err = serveNaive(*backend)
	case "clients":
		err = holdClients(*target, *n)
	default:
		err = fmt.Errorf("unknown role %q", *role)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "idlebench:", err)
		os.Exit(1)
	}
}
