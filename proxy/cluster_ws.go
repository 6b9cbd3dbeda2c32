package proxy

import (
	"net/http"

	"github.com/gobwas/ws"
)

// handshakeOf is what the home backend gets for client request r, kept so
// mirrors can replay it.
func (s *Server) handshakeOf(r *http.Request) Handshake {
	if s.cl == nil {
		return Handshake{}
	}
	h := upstreamHeader(r)
	if p := r.Header.Values("Sec-WebSocket-Protocol"); len(p) > 0 {
		h["Sec-Websocket-Protocol"] = p // the mirror offers what the client offered
	}
	return Handshake{Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: h}
}

// attachCluster puts the fan-out between the legs of a WebSocket session:
// each leg's peer becomes a sink that hands units to the ClusterSession,
// which writes them on through wsHome.
func (s *session) attachCluster(c Cluster, hs Handshake) {
	h := &wsHome{s: s}
	s.cl = c.OpenSession(hs, h)
	s.client.peer = &wsToCluster{cs: s.cl, fromClient: true, flush: s.upstream}
	s.upstream.peer = &wsToCluster{cs: s.cl, flush: s.client}
}

// closeUpstream closes the backend leg, after the fan-out wrote what it held
// and the release grace passed.
func (s *session) closeUpstream(code ws.StatusCode, reason string) {
	if s.cl == nil {
		s.upstream.closeWith(code, reason)
		return
	}
	s.cl.Closed(func() { s.upstream.closeWith(code, reason) })
}

// wsToCluster is a leg's peer when the fan-out is on: one message is one unit.
// It is only called by the worker serving its leg, which owns one.
type wsToCluster struct {
	cs         ClusterSession
	fromClient bool
	flush      *wsLeg // the other leg, flushed after a batch
	one        [1][]byte
}

var _ messageSink = (*wsToCluster)(nil)

func (w *wsToCluster) WriteMessage(op ws.OpCode, p []byte) error {
	w.one[0] = p
	u := Unit{Op: op, Parts: w.one[:]}
	var err error
	if w.fromClient {
		err = w.cs.FromClient(u)
	} else {
		err = w.cs.FromBackend(u)
	}
	w.one[0] = nil
	return err
}

func (w *wsToCluster) Flush() error { return w.flush.Flush() }

// wsHome is a WebSocket session as the fan-out drives it.
type wsHome struct{ s *session }

var _ Home = (*wsHome)(nil)

func (h *wsHome) WriteBackend(u Unit) error { return writeUnit(h.s.upstream, u) }
func (h *wsHome) FlushBackend() error       { return h.s.upstream.Flush() }
func (h *wsHome) WriteClient(u Unit) error  { return writeUnit(h.s.client, u) }
func (h *wsHome) FlushClient() error        { return h.s.client.Flush() }

func (h *wsHome) Close(reason string) {
	h.s.finish(ws.StatusNormalClosure, reason, ws.StatusNormalClosure, reason)
}

// writeUnit queues every part of u on l: the first with u.Op, the rest binary.
func writeUnit(l *wsLeg, u Unit) error {
	for i, p := range u.Parts {
		op := u.Op
		if i > 0 {
			op = ws.OpBinary
		}
		if err := l.WriteMessage(op, p); err != nil {
			return err
		}
	}
	return nil
}

// otherLeg is the leg across the session from l (its peer may be a
// wsToCluster rather than the leg itself).
func (s *session) otherLeg(l *wsLeg) *wsLeg {
	if l == s.client {
		return s.upstream
	}
	return s.client
}
