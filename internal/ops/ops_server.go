package ops

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/sidecast/sidecast/internal/config"
)

// Handler is everything METRICS_PORT serves: Prometheus metrics, the
// Kubernetes probes and the admin API.
func (o *Ops) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", o.metricsHandler())
	mux.HandleFunc("/livez", serveLive)
	mux.HandleFunc("/readyz", o.serveReady)
	o.adminRoutes(mux)
	return mux
}

// serveLive answers while the process can serve HTTP at all: a liveness
// probe must not restart a pod because Redis or the backend is down.
func serveLive(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, "ok\n")
}

// serveReady follows HEALTH_PATH's rule (HealthReport.ready).
func (o *Ops) serveReady(w http.ResponseWriter, _ *http.Request) {
	h := o.Health()
	w.Header().Set("Cache-Control", "no-store")
	if !h.ready() {
		http.Error(w, "not ready: "+h.Status, http.StatusServiceUnavailable)
		return
	}
	_, _ = io.WriteString(w, "ready: "+h.Status+"\n")
}

// Server serves Handler on METRICS_PORT. Its serveLoop goroutine is
// owned by serve, which closes it after the node has shut down, so the
// probes and metrics stay up during the drain.
type Server struct {
	srv    *http.Server
	ln     net.Listener
	served chan struct{}
}

// StartServer listens on METRICS_PORT. A port that cannot be bound is
// logged and the node runs on without it: clients still get served, and
// the probes failing tell the orchestrator.
func StartServer(cfg *config.Config, logger *slog.Logger, o *Ops) *Server {
	if cfg.MetricsPort == 0 {
		logger.Info("metrics, probes and admin API are off (METRICS_PORT=0)")
		return nil
	}
	ln, err := net.Listen("tcp", cfg.MetricsListenAddr())
	if err != nil {
		logger.Error("cannot serve metrics, probes and admin API", "addr", cfg.MetricsListenAddr(), "err", err)
		return nil
	}
	s := &Server{ln: ln, served: make(chan struct{}), srv: &http.Server{
		Handler:           o.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}}
	go s.serveLoop(logger)
	logger.Info("metrics, probes and admin API listening", "addr", ln.Addr().String(),
		"admin", adminState(cfg), "pprof", cfg.Pprof)
	return s
}

func adminState(cfg *config.Config) string {
	if cfg.AdminToken == "" {
		return "off (ADMIN_TOKEN unset)"
	}
	return "on"
}

func (s *Server) serveLoop(logger *slog.Logger) {
	defer close(s.served)
	if err := s.srv.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
		logger.Error("metrics server stopped", "err", err)
	}
}

// Close stops the server and waits for its goroutine; nil-safe. Scrapes in
// flight get a moment to finish.
func (s *Server) Close() {
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		_ = s.srv.Close()
	}
	<-s.served
}
