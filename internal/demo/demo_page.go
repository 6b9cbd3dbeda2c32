package demo

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// demoWeb is the demo page: HTML, style and script, nothing fetched from
// elsewhere.
//
//go:embed web
var demoWeb embed.FS

// demoPage serves the demo page and its api/nodes on DEMO_PORT. Its
// serveLoop goroutine is owned by runDemo, which closes it after the
// nodes have shut down.
type demoPage struct {
	srv    *http.Server
	ln     net.Listener
	base   string // http://127.0.0.1:port
	served chan struct{}
}

// listenDemoPage binds DEMO_PORT before anything else starts, so a port
// in use fails the demo at once.
func listenDemoPage(port int) (net.Listener, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("listen on DEMO_PORT: %w (set DEMO_PORT=0 for any free port)", err)
	}
	return ln, nil
}

// startDemoPage serves the page on ln for the nodes stats describes.
func startDemoPage(ln net.Listener, stats *demoStats, logger *slog.Logger) *demoPage {
	p := &demoPage{ln: ln, base: "http://" + ln.Addr().String(), served: make(chan struct{})}
	p.srv = &http.Server{
		Handler:           p.routes(stats),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	go p.serveLoop(logger)
	return p
}

func (p *demoPage) routes(stats *demoStats) http.Handler {
	web, err := fs.Sub(demoWeb, "web")
	if err != nil {
		panic("demo page: " + err.Error()) // the embed pattern guarantees the folder
	}
	mux := http.NewServeMux()
	mux.Handle("GET /", http.FileServerFS(web))
	mux.HandleFunc("GET /api/nodes", stats.serveHTTP)
	return withPagePolicy(mux, stats.connectSources())
}

// withPagePolicy lets the page load only its own files and open
// WebSockets only to the demo's nodes: a browser then proves the page
// needs nothing from elsewhere.
func withPagePolicy(h http.Handler, connect string) http.Handler {
	csp := "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
		"connect-src 'self' " + connect + "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

// connectSources lists the nodes' WebSocket origins for the page's policy.
func (s *demoStats) connectSources() string {
	srcs := make([]string, len(s.nodes))
	for i, dn := range s.nodes {
		srcs[i] = WSURL(dn.base)
	}
	return strings.Join(srcs, " ")
}

func (p *demoPage) serveLoop(logger *slog.Logger) {
	defer close(p.served)
	if err := p.srv.Serve(p.ln); !errors.Is(err, http.ErrServerClosed) {
		logger.Error("demo page stopped", "err", err)
	}
}

// close stops serving and waits for serveLoop; idempotent, nil-safe.
func (p *demoPage) close() {
	if p == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := p.srv.Shutdown(ctx); err != nil {
		_ = p.srv.Close()
	}
	<-p.served
}
