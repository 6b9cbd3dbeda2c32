package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/sidecast/sidecast/examples/wschat"
	"github.com/sidecast/sidecast/fanout"
	"github.com/sidecast/sidecast/internal/config"
	"github.com/sidecast/sidecast/internal/node"
	"github.com/sidecast/sidecast/internal/ops"
)

// The demo's cluster: two nodes, each an unmodified wschat backend with a
// sidecast in front, and which node each scripted client connects to.
var (
	NodeIDs   = []string{"node-a", "node-b"}
	demoHomes = map[string]string{"alice": "node-a", "bob": "node-b"}
)

// demoEventDefaults are the wschat settings (README: choosing MIRROR_EVENTS
// and LOCAL_EVENTS) the demo uses unless the environment sets them.
var demoEventDefaults = map[string]string{"MIRROR_EVENTS": "join,leave", "LOCAL_EVENTS": "joined,left"}

// demoNode is one node of the demo and the backend behind it.
type demoNode struct {
	id      string
	backend *demoBackend
	node    *node.Node
	base    string // http://127.0.0.1:port of the node
}

// Run runs `sidecast demo`: two example chat backends, each with a
// sidecast node in front, joined by the in-memory bus (or Redis when
// REDIS_URL/REDIS_HOST is set); a scripted exchange between alice on
// node-a and bob on node-b, printed line by line; then everything stays up
// until ctx ends. The demo page on DEMO_PORT (demo_page.go) has a chat
// pane on each node and their live stats; each node also reverse-proxies
// its backend's own chat page.
func Run(ctx context.Context, cfg *config.Config, logger *slog.Logger, out, logs io.Writer) error {
	pageLn, err := listenDemoPage(cfg.DemoPort)
	if err != nil {
		return err
	}
	defer pageLn.Close() // in case the page never starts; harmless after
	var hub *fanout.MemoryHub
	if !cfg.Bus.Redis {
		hub = fanout.NewMemoryHub()
	}
	nodes := make(map[string]*demoNode, len(NodeIDs))
	defer stopDemo(nodes)
	stats := &demoStats{mirrorsOn: cfg.MirrorsOn()}
	for _, id := range NodeIDs {
		dn, err := startDemoNode(ctx, cfg, id, hub, logs)
		if err != nil {
			return err
		}
		nodes[id] = dn
		stats.nodes = append(stats.nodes, dn)
		fmt.Fprintf(out, "%s  sidecast at %s → backend examples/wschat at %s\n", id, dn.node.Addr(), dn.backend.url.Host)
	}
	bus := "the in-memory bus"
	if cfg.Bus.Redis {
		bus = "Redis at " + cfg.RedisShown
	}
	if err := waitPeers(ctx, nodes); err != nil {
		return err
	}
	fmt.Fprintf(out, "nodes joined through %s\n", bus)
	stats.bus = bus
	page := startDemoPage(pageLn, stats, logger)
	defer page.close() // after waitDemo: the page answers while the nodes shut down

	bases := make(map[string]string, len(demoHomes))
	for user, id := range demoHomes {
		bases[user] = WSURL(nodes[id].base)
	}
	if err := runScript(ctx, out, bases, cfg.MirrorsOn()); err != nil {
		return fmt.Errorf("demo script: %w", err)
	}
	printInvite(out, page.base, nodes[NodeIDs[0]].base, nodes[NodeIDs[1]].base)
	return waitDemo(ctx, cfg, logger, nodes)
}

// printInvite tells the user where to connect once the script is done:
// page is the demo page, first and second the two nodes.
func printInvite(out io.Writer, page, first, second string) {
	fmt.Fprintf(out, "open %s/\n", page)
	fmt.Fprintln(out, "  a chat pane through each node, and each node's sessions and mirrors, live")
	fmt.Fprintf(out, "the backend's own chat page through each node: %s/ and %s/\n", first, second)
	fmt.Fprintf(out, "WebSocket clients connect to %s/ws?user=NAME or %s/ws?user=NAME and send %s, %s\n",
		WSURL(first), WSURL(second), `{"type":"join","room":"lobby"}`, `{"type":"say","room":"lobby","text":"hi"}`)
	fmt.Fprintln(out, "Ctrl-C to stop.")
}

// Defaults adapts the configuration to a terminal demo: text logs and
// wschat's event lists, unless the environment says otherwise.
func Defaults(cfg *config.Config, environ map[string]string) {
	cfg.ServerID = "demo"
	if environ["LOG_FORMAT"] == "" {
		cfg.LogFormat = "text"
	}
	if environ["MIRROR_EVENTS"] == "" {
		cfg.MirrorEvents = splitList(demoEventDefaults["MIRROR_EVENTS"])
	}
	if environ["LOCAL_EVENTS"] == "" {
		cfg.LocalMatches = nil
		for _, name := range splitList(demoEventDefaults["LOCAL_EVENTS"]) {
			cfg.LocalMatches = append(cfg.LocalMatches, config.EventMatch{Name: name})
		}
	}
}

func startDemoNode(ctx context.Context, cfg *config.Config, id string, hub *fanout.MemoryHub, logs io.Writer) (*demoNode, error) {
	backend, err := startDemoBackend()
	if err != nil {
		return nil, err
	}
	ncfg := *cfg
	ncfg.ServerID = id
	ncfg.Backend, ncfg.BackendURL = backend.url, backend.url.String()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		backend.stop()
		return nil, fmt.Errorf("demo %s: %w", id, err)
	}
	n, err := node.Start(ctx, &ncfg, ops.NewLogger(&ncfg, logs), ln, hub)
	if err != nil {
		_ = ln.Close()
		backend.stop()
		return nil, err
	}
	return &demoNode{id: id, backend: backend, node: n, base: "http://" + ln.Addr().String()}, nil
}

// waitPeers waits until every node sees every other one, so that the
// script's first session is mirrored everywhere.
func waitPeers(ctx context.Context, nodes map[string]*demoNode) error {
	ctx, cancel := context.WithTimeout(ctx, ScriptWait)
	defer cancel()
	for {
		ready := true
		for _, dn := range nodes {
			ready = ready && len(dn.node.LivePeers()) == len(nodes)-1
		}
		if ready {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the demo nodes did not see each other within %s", ScriptWait)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// waitDemo waits for ctx (Ctrl-C) or a node that stops serving, then shuts
// every node down within DRAIN_TIMEOUT.
func waitDemo(ctx context.Context, cfg *config.Config, logger *slog.Logger, nodes map[string]*demoNode) error {
	failed := make(chan error, len(nodes))
	var watchers sync.WaitGroup
	for _, dn := range nodes {
		watchers.Add(1)
		go watchNode(&watchers, dn.node, failed)
	}
	defer watchers.Wait() // each returns once its node is shut down below
	var served error
	select {
	case <-ctx.Done():
		logger.Info("shutting down", "timeout", cfg.DrainTimeout.String())
	case served = <-failed:
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.DrainTimeout)
	defer cancel()
	errs := []error{served}
	for _, dn := range nodes {
		errs = append(errs, dn.node.Shutdown(shutdownCtx))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	logger.Info("stopped cleanly")
	return nil
}

// watchNode forwards a node's serving error; it returns when the node's
// server stops, at the latest when waitDemo shuts the node down.
func watchNode(wg *sync.WaitGroup, n *node.Node, failed chan<- error) {
	defer wg.Done()
	if err, ok := <-n.Done(); ok && err != nil {
		failed <- err
	}
}

// stopDemo shuts down whatever runDemo started; Shutdown is idempotent, so
// nodes already stopped by waitDemo cost nothing.
func stopDemo(nodes map[string]*demoNode) {
	for _, dn := range nodes {
		_ = dn.node.Shutdown(context.Background())
		dn.backend.stop()
	}
}

// splitList splits a comma-separated list, trimming spaces.
func splitList(s string) []string {
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func WSURL(httpURL string) string { return "ws" + httpURL[len("http"):] }

// demoBackend is the example chat server, run in-process.
type demoBackend struct {
	chat *wschat.Server
	srv  *http.Server
	url  *url.URL
	done chan struct{}
}

func startDemoBackend() (*demoBackend, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo backend: %w", err)
	}
	b := &demoBackend{
		chat: wschat.NewServer(wschat.Options{}),
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
