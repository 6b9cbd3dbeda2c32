package proxy

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"sync"
	"sync/atomic"

	"github.com/sidecast/sidecast/proxy/netpoll"
)

// Server proxies clients to one backend: WebSocket upgrades become relayed
// sessions, every other request is reverse-proxied.
type Server struct {
	cfg    Config
	log    *slog.Logger
	fails  *failureLog // backend failures of client requests, at a bounded rate
	poller *netpoll.Poller
	rp     *httputil.ReverseProxy
	eio    *eioServer // Engine.IO termination, with ProtocolSocketIO or ProtocolEngineIO
	stats  counters
	active atomic.Int64 // sessions holding a MaxConnections slot
	cl     Cluster      // the fan-out, nil when mirrors are off (SetCluster)
	adm    Admitter     // cl, when it may refuse new sessions; else nil
	idle   atomic.Pointer[idleHook]

	mu       sync.Mutex
	sessions map[*session]struct{}
	closed   bool
	once     sync.Once
}

// New validates cfg and starts the poller and its workers.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	fails := newFailureLog(cfg.Logger, cfg.FailureLogInterval)
	srv := &Server{
		cfg:      cfg,
		log:      cfg.Logger,
		fails:    fails,
		rp:       newReverseProxy(cfg.Backend, cfg.BackendHostHeader, cfg.Logger, fails),
		sessions: make(map[*session]struct{}),
	}
	p, err := netpoll.New(netpoll.Config{Workers: cfg.Workers, OnIdle: srv.pollerIdle, OnServed: srv.pollerServed, Linger: srv.pollerLinger})
	if err != nil {
		return nil, fmt.Errorf("proxy: start poller: %w", err)
	}
	srv.poller = p
	if cfg.Protocol.EngineIO() {
		srv.eio = newEIOServer(srv, cfg.SocketIOPath, cfg.Protocol == ProtocolEngineIO)
	}
	return srv, nil
}

// ServeHTTP upgrades WebSocket requests into relayed sessions and
// reverse-proxies everything else to the backend.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r = sanitize(r, s.cfg.TrustedProxies)
	if s.eio != nil && s.eio.matches(r) {
		s.eio.serveHTTP(w, r)
		return
	}
	if !isUpgrade(r) {
		s.rp.ServeHTTP(w, r)
		return
	}
	if s.isClosed() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	s.serveUpgrade(w, r)
}

// Sessions returns the number of open proxied sessions.
func (s *Server) Sessions() int {
	s.mu.Lock()
	n := len(s.sessions)
	s.mu.Unlock()
	if s.eio != nil {
		n += s.eio.count()
	}
	return n
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	return s.stats.snapshot(s.Sessions())
}

// Close sends every session's legs a 1001 close, closes their sockets, stops
// the poller and waits for its goroutines. It is idempotent.
func (s *Server) Close() error {
	s.once.Do(s.shutdown)
	return nil
}

func (s *Server) shutdown() {
	s.mu.Lock()
	s.closed = true
	list := make([]*session, 0, len(s.sessions))
	for sess := range s.sessions {
		list = append(list, sess)
	}
	s.mu.Unlock()
	for _, sess := range list {
		sess.finish(1001, "server shutting down", 1001, "proxy shutting down")
	}
	for _, sess := range list {
		sess.client.forceClose()
		sess.upstream.forceClose()
	}
	if s.eio != nil {
		s.eio.close()
	}
	_ = s.poller.Close()
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// startSession hands both connections to a new session; false means they were
// closed instead.
func (s *Server) startSession(clientConn net.Conn, clientBuf []byte, up *upstreamConn, hs Handshake) bool {
	sess, err := newSession(s, clientConn, up.conn)
	if err == nil && !s.track(sess) {
		err = ErrClosed
	}
	if err == nil && s.cl != nil {
		sess.attachCluster(s.cl, hs)
	}
	if err != nil {
		s.log.Warn("session not started", "err", err)
		clientConn.Close()
		up.conn.Close()
		return false
	}
	s.stats.sessionsTotal.Add(1)
	sess.start(clientBuf, up.buffered)
	return true
}

func (s *Server) track(sess *session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.sessions[sess] = struct{}{}
	return true
}

// forget drops an ended session and frees its MaxConnections slot.
func (s *Server) forget(sess *session) {
	s.mu.Lock()
	delete(s.sessions, sess)
	s.mu.Unlock()
	s.release()
}

func (s *Server) reserve() bool {
	n := s.active.Add(1)
	if s.cfg.MaxConnections > 0 && n > int64(s.cfg.MaxConnections) {
		s.active.Add(-1)
		return false
	}
	return true
}

func (s *Server) release() { s.active.Add(-1) }

// admit asks the Cluster whether a new client session may open now; a
// refusal is answered 503 and counted.
func (s *Server) admit(w http.ResponseWriter) bool {
	if s.adm == nil || s.adm.Admit() {
		return true
	}
	s.stats.syncing.Add(1)
	w.Header().Set("Retry-After", "1")
	http.Error(w, "syncing: mirrors are being rebuilt after the backend returned", http.StatusServiceUnavailable)
	return false
}
