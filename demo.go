package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/sidecast/sidecast/examples/wschat"
)

// demoNodeID names the demo's node in its output.
const demoNodeID = "node-a"

// runDemo runs `sidecast demo`: the example chat backend on a free loopback
// port, one sidecast node in front of it on DEMO_PORT (in-memory bus, no
// Redis), a scripted exchange between two clients printed line by line,
// then both stay up until ctx ends. The node on DEMO_PORT reverse-proxies
// the backend's chat page, so a browser at the printed address gets a chat
// client whose WebSocket goes through sidecast.
func runDemo(ctx context.Context, cfg *Config, logger *slog.Logger, out io.Writer) error {
	backend, err := startDemoBackend(logger)
	if err != nil {
		return err
	}
	defer backend.stop()

	ncfg := demoNodeConfig(cfg, backend.url)
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.DemoPort)))
	if err != nil {
		return fmt.Errorf("listen on DEMO_PORT: %w (set DEMO_PORT=0 for any free port)", err)
	}
	n, err := startNode(ctx, ncfg, logger, ln, nil)
	if err != nil {
		_ = ln.Close()
		return err
	}
	base := "http://" + n.Addr().String()
	fmt.Fprintf(out, "backend  examples/wschat at %s (unmodified, single-node)\n", backend.url.Host)
	fmt.Fprintf(out, "sidecast %s at %s → backend, in-memory bus\n", demoNodeID, n.Addr())

	if err := runScript(ctx, out, wsURL(base)); err != nil {
		_ = n.Shutdown(context.Background())
		return fmt.Errorf("demo script: %w", err)
	}
	fmt.Fprintf(out, "open %s/\n", base)
	fmt.Fprintf(out, "WebSocket clients connect to %s/ws?user=NAME and send {\"type\":\"join\",\"room\":\"lobby\"}, {\"type\":\"say\",\"room\":\"lobby\",\"text\":\"hi\"}\n", wsURL(base))
	fmt.Fprintln(out, "Ctrl-C to stop.")
	return runUntilDone(ctx, ncfg, logger, n)
}

// demoDefaults adapts the configuration to a terminal demo: the node is
// node-a, and logs are text unless LOG_FORMAT asks otherwise.
func demoDefaults(cfg *Config, environ map[string]string) {
	cfg.ServerID = demoNodeID
	if environ["LOG_FORMAT"] == "" {
		cfg.LogFormat = "text"
	}
}

// demoNodeConfig is cfg pointed at the demo backend, on the in-memory bus.
func demoNodeConfig(cfg *Config, backend *url.URL) *Config {
	c := *cfg
	c.Backend = backend
	c.BackendURL = backend.String()
	c.Bus = BusChoice{Why: "sidecast demo runs in one process"}
	return &c
}

func wsURL(httpURL string) string { return "ws" + httpURL[len("http"):] }

// demoBackend is the example chat server, run in-process.
type demoBackend struct {
	chat *wschat.Server
	srv  *http.Server
	url  *url.URL
	done chan struct{}
}

func startDemoBackend(logger *slog.Logger) (*demoBackend, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo backend: %w", err)
	}
	b := &demoBackend{
		chat: wschat.NewServer(wschat.Options{Logger: logger}),
		url:  &url.URL{Scheme: "http", Host: ln.Addr().String()},
		done: make(chan struct{}),
	}
	b.srv = &http.Server{Handler: b.chat, ReadHeaderTimeout: 10 * time.Second}
	go b.serveLoop(ln)
	return b, nil
}

// serveLoop serves the backend until stop, which waits for it.
func (b *demoBackend) serveLoop(ln net.Listener) {
	defer close(b.done)
	if err := b.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		slog.Error("demo backend stopped", "err", err)
	}
}

func (b *demoBackend) stop() {
	_ = b.srv.Close()
	<-b.done
	_ = b.chat.Close()
}
