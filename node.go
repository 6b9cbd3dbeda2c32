package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/sidecast/sidecast/fanout"
	"github.com/sidecast/sidecast/proxy"
	"github.com/sidecast/sidecast/sticky"
)

// node is one sidecast: the proxy in front of one backend, the bus and
// registry that join it to the cluster, and the HTTP server on its
// listener. startNode starts it; Shutdown stops every part and waits.
type node struct {
	cfg      *Config
	log      *slog.Logger
	proxy    *proxy.Server
	bus      fanout.Bus
	registry *fanout.Registry
	cluster  atomic.Pointer[fanout.Cluster] // nil with MIRRORS=off
	watch    *backendWatch                  // with the cluster: rebuilds mirrors when the backend returns
	srv      *http.Server
	ln       net.Listener
	served   chan error // serveLoop's result; closed when it returns

	router     *sticky.Router     // the client port's front: header hygiene, forwards
	advertised string             // the URL peers forward to (ADVERTISE_URL or derived)
	ops        nodeOps            // drain state, backend probe, Redis latency (ops.go)
	unfinished unfinishedRequests // connections closed before a whole request (conn_unfinished.go)

	shutdownOnce sync.Once
	shutdownErr  error
}

// startNode builds and starts a node serving on ln. hub, when not nil, is
// the in-memory hub shared by the nodes of one process (the demo); nil
// means a hub of its own, or Redis when the configuration says so.
func startNode(ctx context.Context, cfg *Config, logger *slog.Logger, ln net.Listener, hub *fanout.MemoryHub) (*node, error) {
	if cfg.MaxConnsPerIP > 0 {
		ln = limitPerIP(ln, cfg.MaxConnsPerIP, cfg.Trusted)
	}
	n := &node{cfg: cfg, log: logger, ln: ln, served: make(chan error, 1)}
	n.initOps()
	if err := n.startRouter(); err != nil {
		return nil, err
	}
	var err error
	if n.proxy, err = newProxy(cfg, logger, n.router.NewSID); err != nil {
		return nil, err
	}
	if n.bus, err = newBus(ctx, cfg, logger, hub, n.ops.observeRedis); err != nil {
		_ = n.proxy.Close()
		return nil, err
	}
	if err = n.startRegistry(ctx); err != nil {
		_ = n.bus.Close()
		_ = n.proxy.Close()
		return nil, err
	}
	if err = n.startCluster(ctx); err != nil {
		_ = n.registry.Close()
		_ = n.bus.Close()
		_ = n.proxy.Close()
		return nil, err
	}
	n.srv = &http.Server{
		Handler:           n.unfinished.served(n.routes()),
		ConnContext:       n.unfinished.connContext,
		ConnState:         n.unfinished.connState,
		ReadHeaderTimeout: cfg.HandshakeTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	go n.serveLoop()
	return n, nil
}

// newProxy builds the proxy; what this build's proxy refuses is a
// configuration error naming the variable, so it exits with code 2 too.
func newProxy(cfg *Config, logger *slog.Logger, newSID func() string) (*proxy.Server, error) {
	p, err := proxy.New(proxy.Config{
		Protocol:         proxy.Protocol(cfg.Protocol),
		SocketIOPath:     cfg.SocketIOPath,
		NewSID:           newSID,
		TrustedProxies:   cfg.Trusted,
		Backend:          cfg.Backend,
		MaxConnections:   cfg.MaxConnections,
		MaxPayload:       int64(cfg.MaxPayload),
		WriteQueueBytes:  cfg.WriteQueueSize,
		HandshakeTimeout: cfg.HandshakeTimeout,
		DialTimeout:      cfg.HandshakeTimeout,
		Logger:           logger,
	})
	switch {
	case err == nil:
		return p, nil
	case errors.Is(err, proxy.ErrUnsupportedProtocol):
		return nil, configErr("PROTOCOL", "%q is unknown; use websocket or socketio", cfg.Protocol)
	case errors.Is(err, proxy.ErrBadBackend):
		return nil, configErr("BACKEND_URL", "%v", err)
	case errors.Is(err, proxy.ErrBadConfig):
		return nil, configErr("MAX_PAYLOAD/WRITE_QUEUE_SIZE/MAX_CONNECTIONS", "%v", err)
	}
	return nil, fmt.Errorf("start proxy: %w", err)
}

func (n *node) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(n.cfg.HealthPath, n.serveHealth)
	mux.Handle("/", n.drainGate(n.router.Wrap(n.proxy)))
	return mux
}

// serveLoop runs the HTTP server until Shutdown; its owner is the node,
// which waits for it in Shutdown.
func (n *node) serveLoop() {
	err := n.srv.Serve(n.ln)
	if !errors.Is(err, http.ErrServerClosed) {
		n.served <- fmt.Errorf("serve %s: %w", n.ln.Addr(), err)
	}
	close(n.served)
}

// Addr is the address clients connect to.
func (n *node) Addr() net.Addr { return n.ln.Addr() }

// Done is closed (after delivering an error, if any) when the HTTP server
// stopped on its own.
func (n *node) Done() <-chan error { return n.served }

// Shutdown stops accepting, waits for in-flight plain HTTP requests until
// ctx ends, closes every proxied session with 1001, leaves the registry and
// closes the bus. It is idempotent; the error says what did not stop
// cleanly.
func (n *node) Shutdown(ctx context.Context) error {
	n.shutdownOnce.Do(func() {
		var errs []error
		if err := n.srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop http server: %w", err))
			_ = n.srv.Close()
		}
		<-n.served
		n.closeCluster()
		errs = append(errs, n.proxy.Close())
		if err := n.registry.Close(); err != nil && !errors.Is(err, fanout.ErrNotConnected) {
			n.log.Warn("leaving the registry", "err", err)
		}
		errs = append(errs, n.bus.Close())
		n.closeRouter()
		n.shutdownErr = errors.Join(errs...)
	})
	return n.shutdownErr
}
