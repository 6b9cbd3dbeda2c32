package node

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
	"github.com/sidecast/sidecast/internal/config"
	"github.com/sidecast/sidecast/internal/ops"
	"github.com/sidecast/sidecast/proxy"
	"github.com/sidecast/sidecast/sticky"
)

// Node is one sidecast: the proxy in front of one backend, the bus and
// registry that join it to the cluster, and the HTTP server on its
// listener. Start starts it; Shutdown stops every part and waits.
type Node struct {
	cfg      *config.Config
	log      *slog.Logger
	proxy    *proxy.Server
	bus      fanout.Bus
	registry *fanout.Registry
	outage   *fanout.OutageLog              // the bus's and the registry's failures, logged at a bounded rate
	cluster  atomic.Pointer[fanout.Cluster] // nil with MIRRORS=off
	watch    *backendWatch                  // logs backend outages; with the cluster, rebuilds mirrors when the backend returns
	srv      *http.Server
	ln       net.Listener
	served   chan error // serveLoop's result; closed when it returns

	stopJoin context.CancelFunc // ends joinLoop's waits for Redis
	joined   chan struct{}      // closed when joinLoop returns

	router     *sticky.Router     // the client port's front: header hygiene, forwards
	advertised string             // the URL peers forward to (ADVERTISE_URL or derived)
	ops        *ops.Ops           // health, metrics, admin API, drain state, backend probe
	unfinished unfinishedRequests // connections closed before a whole request (conn_unfinished.go)

	shutdownOnce sync.Once
	shutdownErr  error
}

// Start builds and starts a node serving on ln; it never waits for Redis
// (node_bus.go, joinLoop), and ctx ending stops the background join's
// waits, not the node. hub, when not nil, is the in-memory hub shared by
// the nodes of one process (the demo); nil means a hub of its own, or
// Redis when the configuration says so.
func Start(ctx context.Context, cfg *config.Config, logger *slog.Logger, ln net.Listener, hub *fanout.MemoryHub) (*Node, error) {
	if cfg.MaxConnsPerIP > 0 {
		ln = limitPerIP(ln, cfg.MaxConnsPerIP, cfg.Trusted)
	}
	n := &Node{cfg: cfg, log: logger, ln: ln, served: make(chan error, 1)}
	n.ops = ops.New(cfg, logger)
	if err := n.startRouter(); err != nil {
		return nil, err
	}
	var err error
	if n.proxy, err = newProxy(cfg, logger, n.router.NewSID); err != nil {
		return nil, err
	}
	n.outage = fanout.NewOutageLog(logger, "redis", cfg.OutageLogInterval)
	if n.bus, err = newBus(cfg, logger, hub, n.outage, n.ops.ObserveRedis); err != nil {
		_ = n.proxy.Close()
		return nil, err
	}
	if err = n.newRegistry(); err != nil {
		_ = n.bus.Close()
		_ = n.proxy.Close()
		return nil, err
	}
	n.newCluster()
	n.startBackendWatch()
	n.ops.Attach(ops.Parts{
		Proxy: n.proxy, Bus: n.bus, Router: n.router,
		Cluster: n.ClusterStats, LivePeers: n.LivePeers, ListenerDrops: n.listenerDrops,
		PeerMismatches: n.registry.Mismatches,
	})
	n.srv = &http.Server{
		Handler:           n.unfinished.served(n.routes()),
		ConnContext:       n.unfinished.connContext,
		ConnState:         n.unfinished.connState,
		ReadHeaderTimeout: cfg.HandshakeTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	go n.serveLoop()
	n.startJoin(ctx)
	return n, nil
}

// newProxy builds the proxy; what this build's proxy refuses is a
// configuration error naming the variable, so it exits with code 2 too.
func newProxy(cfg *config.Config, logger *slog.Logger, newSID func() string) (*proxy.Server, error) {
	p, err := proxy.New(proxy.Config{
		Protocol:           proxy.Protocol(cfg.Protocol),
		SocketIOPath:       cfg.SocketIOPath,
		NewSID:             newSID,
		TrustedProxies:     cfg.Trusted,
		Backend:            cfg.Backend,
		BackendHostHeader:  proxy.HostHeader(cfg.BackendHostHeader),
		MaxConnections:     cfg.MaxConnections,
		MaxPayload:         int64(cfg.MaxPayload),
		WriteQueueBytes:    cfg.WriteQueueSize,
		HandshakeTimeout:   cfg.HandshakeTimeout,
		DialTimeout:        cfg.HandshakeTimeout,
		Logger:             logger,
		FailureLogInterval: cfg.OutageLogInterval,
	})
	switch {
	case err == nil:
		return p, nil
	case errors.Is(err, proxy.ErrUnsupportedProtocol):
		return nil, config.Errorf("PROTOCOL", "%q is unknown; use websocket, socketio or engineio", cfg.Protocol)
	case errors.Is(err, proxy.ErrBadBackend):
		return nil, config.Errorf("BACKEND_URL", "%v", err)
	case errors.Is(err, proxy.ErrBadConfig):
		return nil, config.Errorf("MAX_PAYLOAD/WRITE_QUEUE_SIZE/MAX_CONNECTIONS", "%v", err)
	}
	return nil, fmt.Errorf("start proxy: %w", err)
}

func (n *Node) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(n.cfg.HealthPath, n.ops.ServeHealth)
	mux.Handle("/", n.ops.DrainGate(n.router.Wrap(n.proxy)))
	return mux
}

// serveLoop runs the HTTP server until Shutdown; its owner is the node,
// which waits for it in Shutdown.
func (n *Node) serveLoop() {
	err := n.srv.Serve(n.ln)
	if !errors.Is(err, http.ErrServerClosed) {
		n.served <- fmt.Errorf("serve %s: %w", n.ln.Addr(), err)
	}
	close(n.served)
}

// Addr is the address clients connect to.
func (n *Node) Addr() net.Addr { return n.ln.Addr() }

// Done is closed (after delivering an error, if any) when the HTTP server
// stopped on its own.
func (n *Node) Done() <-chan error { return n.served }

// Shutdown stops accepting, waits for in-flight plain HTTP requests until
// ctx ends, closes every proxied session with 1001, leaves the registry and
// closes the bus. It is idempotent; the error says what did not stop
// cleanly.
func (n *Node) Shutdown(ctx context.Context) error {
	n.shutdownOnce.Do(func() {
		var errs []error
		if err := n.srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop http server: %w", err))
			_ = n.srv.Close()
		}
		<-n.served
		n.stopJoin()
		<-n.joined
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

// Ops is the node's operations side: health, metrics, admin API, drain.
func (n *Node) Ops() *ops.Ops { return n.ops }

// Sessions counts the client sessions open on this node.
func (n *Node) Sessions() int { return n.proxy.Sessions() }

// listenerDrops counts connections closed before they became sessions.
func (n *Node) listenerDrops() (unfinished, perIP uint64) {
	if l, ok := n.ln.(*perIPListener); ok {
		perIP = l.refused.Load()
	}
	return n.unfinished.closed.Load(), perIP
}
