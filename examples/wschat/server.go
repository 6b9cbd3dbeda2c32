package wschat

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/gobwas/ws"
)

// Options configures a Server; the zero value is a working server.
type Options struct {
	// Welcome, when set, sends {"type":"welcome","user":U} to each new
	// connection before anything else. Off by default.
	Welcome bool
	// QueueSize bounds each connection's queue of outgoing messages; a client
	// that falls further behind is disconnected. Zero means 1024.
	QueueSize int
	// MaxMessage bounds one client message in bytes (all fragments); a bigger
	// one closes the connection with 1009. Zero means 1 MiB.
	MaxMessage int64
	// Logger receives connection-level errors. Nil discards them.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.QueueSize <= 0 {
		o.QueueSize = 1024
	}
	if o.MaxMessage <= 0 {
		o.MaxMessage = 1 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o
}

// Server is the chat server. It is an http.Handler: mount it on any
// http.Server. Close it to disconnect every client.
type Server struct {
	opts Options
	mux  *http.ServeMux

	mu      sync.Mutex
	rooms   map[string]map[*client]struct{}
	clients map[*client]struct{}
	closed  bool

	wg sync.WaitGroup // one count per connection loop (reader and writer)
}

// NewServer returns a chat server with opts.
func NewServer(opts Options) *Server {
	s := &Server{
		opts:    opts.withDefaults(),
		rooms:   make(map[string]map[*client]struct{}),
		clients: make(map[*client]struct{}),
	}
	s.mux = s.routes()
	return s
}

// ServeHTTP upgrades WebSocket requests on any path and serves the plain
// HTTP routes otherwise.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if isUpgrade(r) {
		s.upgrade(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

func isUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

func (s *Server) upgrade(w http.ResponseWriter, r *http.Request) {
	user := r.URL.Query().Get("user")
	if user == "" {
		user = "anonymous"
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		http.Error(w, ErrClosed.Error(), http.StatusServiceUnavailable)
		return
	}
	conn, rw, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		s.opts.Logger.Debug("wschat: upgrade failed", "err", err)
		return
	}
	c := newClient(s, conn, rw.Reader, user)
	if !s.register(c) {
		_, _ = conn.Write(ws.CompiledCloseGoingAway)
		_ = conn.Close()
		return
	}
	if s.opts.Welcome {
		c.enqueue(encode(Message{Type: "welcome", User: user}))
	}
	s.wg.Add(2)
	go c.readLoop()
	go c.writeLoop()
}

// register adds c unless the server is closed; it reports whether it did.
func (s *Server) register(c *client) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.clients[c] = struct{}{}
	return true
}

// Close disconnects every client with 1001 (going away) and waits for all
// connection goroutines to return. It is safe to call more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	clients := make([]*client, 0, len(s.clients))
	for c := range s.clients {
		clients = append(clients, c)
	}
	s.mu.Unlock()
	for _, c := range clients {
		c.goAway()
	}
	s.wg.Wait()
	return nil
}

// Clients returns the number of connected clients.
func (s *Server) Clients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clients)
}
