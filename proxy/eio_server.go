package proxy

import (
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/sidecast/sidecast/proxy/engineio"
)

// DefaultSocketIOPath is where Engine.IO is served when Config.SocketIOPath is empty.
const DefaultSocketIOPath = "/socket.io/"

// eioServer terminates Engine.IO v4 for clients on one path: it routes each
// request to its session by sid, or opens a session (backend first).
type eioServer struct {
	srv  *Server
	path string
	raw  bool // ProtocolEngineIO: messages relay whole, never read as Socket.IO

	mu       sync.Mutex
	sessions map[string]*eioSession
	closed   bool
}

func newEIOServer(srv *Server, path string, raw bool) *eioServer {
	if path == "" {
		path = DefaultSocketIOPath
	}
	if !strings.HasSuffix(path, "/") {
		path += "/"
	}
	return &eioServer{srv: srv, path: path, raw: raw, sessions: make(map[string]*eioSession)}
}

// matches reports whether r is an Engine.IO request ("/socket.io/" or
// "/socket.io", as the reference server accepts both).
func (e *eioServer) matches(r *http.Request) bool {
	p := r.URL.Path
	return p == e.path || p == strings.TrimSuffix(e.path, "/")
}

// serveHTTP answers one Engine.IO request.
func (e *eioServer) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodOptions {
		e.srv.rp.ServeHTTP(w, r) // CORS preflight: the backend's own answer
		return
	}
	q := r.URL.Query()
	if q.Get("EIO") != "4" {
		refuseEIO(w, r, engineio.CodeUnsupportedVersion)
		return
	}
	transport := q.Get("transport")
	if transport != "polling" && transport != "websocket" {
		refuseEIO(w, r, engineio.CodeUnknownTransport)
		return
	}
	if transport == "websocket" && !isUpgrade(r) {
		writeEIOError(w, engineio.CodeBadRequest)
		return
	}
	sid := q.Get("sid")
	if sid == "" {
		e.handshake(w, r, transport)
		return
	}
	sess := e.lookup(sid)
	if sess == nil {
		refuseEIO(w, r, engineio.CodeUnknownSID)
		return
	}
	sess.serve(w, r, transport)
}

func (e *eioServer) lookup(sid string) *eioSession {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sessions[sid]
}

// add registers a new session; false once the server is closed.
func (e *eioServer) add(s *eioSession) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false
	}
	e.sessions[s.sid] = s
	return true
}

func (e *eioServer) remove(s *eioSession) {
	e.mu.Lock()
	if e.sessions[s.sid] == s {
		delete(e.sessions, s.sid)
	}
	e.mu.Unlock()
}

// count returns the number of open Engine.IO sessions.
func (e *eioServer) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.sessions)
}

// close ends every session and refuses new ones.
func (e *eioServer) close() {
	e.mu.Lock()
	e.closed = true
	list := make([]*eioSession, 0, len(e.sessions))
	for _, s := range e.sessions {
		list = append(list, s)
	}
	e.mu.Unlock()
	for _, s := range list {
		s.close("server shutting down")
		s.forceClose()
	}
}

// refuseEIO turns a request down as the reference server does: an upgrade
// request as its abortUpgrade (400, the message as text/html, the
// connection closed), any other with the JSON error body.
func refuseEIO(w http.ResponseWriter, r *http.Request, c engineio.ErrorCode) {
	if !isUpgrade(r) {
		writeEIOError(w, c)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html")
	h.Set("Connection", "close")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = io.WriteString(w, c.Message())
}

func writeEIOError(w http.ResponseWriter, c engineio.ErrorCode) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	w.WriteHeader(c.Status())
	_, _ = w.Write(c.Body())
}

// newSID returns a fresh session id from Config.NewSID, or a random one.
func (e *eioServer) newSID() string {
	if f := e.srv.cfg.NewSID; f != nil {
		return f()
	}
	return randomSID()
}

// randomSID returns a fresh session id: 20 URL-safe characters.
func randomSID() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
