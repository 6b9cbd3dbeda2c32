package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"
)

// opsHandler is everything METRICS_PORT serves: Prometheus metrics, the
// Kubernetes probes and the admin API.
func (n *node) opsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", n.metricsHandler())
	mux.HandleFunc("/livez", serveLive)
	mux.HandleFunc("/readyz", n.serveReady)
	n.adminRoutes(mux)
	return mux
}

// serveLive answers while the process can serve HTTP at all: a liveness
// probe must not restart a pod because Redis or the backend is down.
func serveLive(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, "ok\n")
}

// serveReady follows HEALTH_PATH's rule (healthReport.ready).
func (n *node) serveReady(w http.ResponseWriter, _ *http.Request) {
	h := n.health()
	w.Header().Set("Cache-Control", "no-store")
	switch {
	case h.Status == statusDraining:
		http.Error(w, "not ready: draining", http.StatusServiceUnavailable)
	case !h.Backend:
		http.Error(w, "not ready: backend unreachable", http.StatusServiceUnavailable)
	default:
		_, _ = io.WriteString(w, "ready\n")
	}
}

// opsServer serves opsHandler on METRICS_PORT. Its serveLoop goroutine is
// owned by serve, which closes it after the node has shut down, so the
// probes and metrics stay up during the drain.
type opsServer struct {
	srv    *http.Server
	ln     net.Listener
	served chan struct{}
}

// startOpsServer listens on METRICS_PORT. A port that cannot be bound is
// logged and the node runs on without it: clients still get served, and
// the probes failing tell the orchestrator.
func startOpsServer(cfg *Config, logger *slog.Logger, n *node) *opsServer {
	if cfg.MetricsPort == 0 {
		logger.Info("metrics, probes and admin API are off (METRICS_PORT=0)")
		return nil
	}
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(cfg.MetricsPort))
	if err != nil {
		logger.Error("cannot serve metrics, probes and admin API", "port", cfg.MetricsPort, "err", err)
		return nil
	}
	o := &opsServer{ln: ln, served: make(chan struct{}), srv: &http.Server{
		Handler:           n.opsHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}}
	go o.serveLoop(logger)
	logger.Info("metrics, probes and admin API listening", "addr", ln.Addr().String(),
		"admin", adminState(cfg))
	return o
}

func adminState(cfg *Config) string {
	if cfg.AdminToken == "" {
		return "off (ADMIN_TOKEN unset)"
	}
	return "on"
}

func (o *opsServer) serveLoop(logger *slog.Logger) {
	defer close(o.served)
	if err := o.srv.Serve(o.ln); !errors.Is(err, http.ErrServerClosed) {
		logger.Error("metrics server stopped", "err", err)
	}
}

// close stops the server and waits for its goroutine; nil-safe. Scrapes in
// flight get a moment to finish.
func (o *opsServer) close() {
	if o == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := o.srv.Shutdown(ctx); err != nil {
		_ = o.srv.Close()
	}
	<-o.served
}
