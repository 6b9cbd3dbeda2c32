package proxy

import (
	"net/http"

	"github.com/gobwas/ws"
)

// Mirror handshake headers. A backend may read them to skip connect-time side
// effects for mirrors; clients can never send them (X-Sidecast-* is stripped).
const (
	MirrorHeader     = "X-Sidecast-Mirror"
	MirrorHomeHeader = "X-Sidecast-Home"
)

// Handshake is what identifies a client to a backend: the path and query it
// asked for and the headers its home backend received (identity headers and
// the rewritten X-Forwarded-*). A mirror replays it to another backend.
type Handshake struct {
	Path     string
	RawQuery string
	Header   http.Header
}

// Unit is one relay unit: a WebSocket message (PROTOCOL=websocket) or, for
// Socket.IO, an Engine.IO message packet ("4" + Socket.IO packet, text) and
// the binary attachments that travel with it (Parts[1:], binary). Op is the
// opcode of Parts[0]. The bytes are valid only during the call that hands
// the unit over.
type Unit struct {
	Op    ws.OpCode
	Parts [][]byte
}

// Cluster is the fan-out as the proxy sees it. The proxy calls OpenSession
// once per client session it opens at home (this node); with no Cluster set
// sessions relay straight through.
type Cluster interface {
	// OpenSession is called before any of the session's units relay. The
	// returned ClusterSession decides when each unit reaches home's
	// backend and client.
	OpenSession(hs Handshake, home Home) ClusterSession
}

// Home is a client session at its home node, as the fan-out drives it.
// Every method is safe for concurrent use and never blocks.
type Home interface {
	// WriteBackend queues u toward the home backend.
	WriteBackend(u Unit) error
	// FlushBackend pushes what WriteBackend queued.
	FlushBackend() error
	// WriteClient queues u toward the client.
	WriteClient(u Unit) error
	// FlushClient pushes what WriteClient queued.
	FlushClient() error
	// Close ends the whole session (a kick the protocol cannot express per
	// namespace).
	Close(reason string)
}

// ClusterSession is the fan-out's side of one home session. FromClient is
// called by one goroutine at a time, in the client's order; FromBackend
// likewise in the backend's order. Neither may block.
type ClusterSession interface {
	// FromClient takes a unit the client sent. The fan-out forwards it with
	// Home.WriteBackend now, or copies and holds it (a membership barrier).
	// The proxy flushes the backend after a batch.
	FromClient(u Unit) error
	// FromBackend takes a unit the home backend sent to the client; the
	// fan-out forwards it with Home.WriteClient (rewriting or holding as it
	// must). The proxy flushes the client after a batch.
	FromBackend(u Unit) error
	// Closed says the session ended. The fan-out writes what it held to the
	// backend first (after the barrier it waits for, and the release grace)
	// and then calls closeBackend once, from any goroutine; closeBackend
	// closes the backend leg.
	Closed(closeBackend func())
}

// SetCluster makes c see every session this server opens from now on. Call
// it once, before the server serves; nil switches mirrors off.
func (s *Server) SetCluster(c Cluster) {
	s.cl = c
	s.adm, _ = c.(Admitter)
	if f, ok := c.(IdleFlusher); ok {
		s.idle.Store(&idleHook{f: f})
	}
}

// IdleFlusher is a Cluster that batches work across sessions (frames that
// several mirrors read from one backend broadcast). The proxy calls
// PollerIdle whenever its poller has served every connection that was
// ready: the end of a burst, when what was batched should leave at once.
// PollerIdle runs on a poller worker and must not block.
type IdleFlusher interface {
	PollerIdle()
	// IdlePending reports whether PollerIdle has anything to flush; while
	// it does, the poller looks once more for connections that became
	// ready meanwhile (the rest of a broadcast) before it calls PollerIdle.
	IdlePending() bool
	// PollerServed runs after each connection served while the poller is
	// still busy, often: it must be cheap. A poller that is never idle
	// never calls PollerIdle, so what has waited long enough leaves here.
	PollerServed()
}

type idleHook struct{ f IdleFlusher }

func (s *Server) pollerLinger() bool {
	h := s.idle.Load()
	return h != nil && h.f.IdlePending()
}

func (s *Server) pollerServed() {
	if h := s.idle.Load(); h != nil {
		h.f.PollerServed()
	}
}

func (s *Server) pollerIdle() {
	if h := s.idle.Load(); h != nil {
		h.f.PollerIdle()
	}
}

// Protocol returns what this server's clients speak.
func (s *Server) Protocol() Protocol { return s.cfg.Protocol }

// Admitter is implemented by a Cluster that may refuse new client sessions
// for a while: after its backend returned, until the mirrors of the other
// nodes' sessions are rebuilt on it. A refused session gets 503 before the
// backend is dialed; sessions already open are not touched.
type Admitter interface {
	Admit() bool
}
