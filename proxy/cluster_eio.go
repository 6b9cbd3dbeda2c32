package proxy

import (
	"net/http"
	"sync/atomic"

	"github.com/gobwas/ws"

	"github.com/sidecast/sidecast/proxy/socketio"
)

// eioCluster is an Engine.IO session's link to the fan-out. in is used
// under the session's inMu (client→backend), out only by the upstream
// leg's worker (backend→client).
type eioCluster struct {
	cs      ClusterSession
	in, out [][]byte
}

// eioClusterOpen is a session's ClusterSession opened before its backend
// answered: the handshake reaches the peers while this node still dials.
type eioClusterOpen struct {
	cs   ClusterSession
	home *eioHome
}

// openCluster opens the ClusterSession of a session about to be dialed,
// with the handshake its backend gets: the client's query with
// transport=websocket and no sid. Zero when mirrors are off.
func (e *eioServer) openCluster(r *http.Request) eioClusterOpen {
	c := e.srv.cl
	if c == nil {
		return eioClusterOpen{}
	}
	q := r.URL.Query()
	q.Set("transport", "websocket")
	q.Del("sid")
	hs := Handshake{Path: r.URL.Path, RawQuery: q.Encode(), Header: upstreamHeader(r)}
	home := &eioHome{}
	return eioClusterOpen{cs: c.OpenSession(hs, home), home: home}
}

// attach gives the opened ClusterSession its session, before any unit relays.
func (o eioClusterOpen) attach(s *eioSession) {
	if o.cs == nil {
		return
	}
	o.home.s.Store(s)
	s.clx.cs = o.cs
}

// abandon ends the ClusterSession of a session that never opened: the peers
// close the mirrors they dialed for it.
func (o eioClusterOpen) abandon() {
	if o.cs != nil {
		o.cs.Closed(func() {})
	}
}

// fromClient hands an assembled client unit to the fan-out.
func (c *eioCluster) fromClient(a *socketio.Assembler) error {
	c.in = unitParts(c.in, a)
	err := c.cs.FromClient(Unit{Op: ws.OpText, Parts: c.in})
	clear(c.in)
	return err
}

// fromBackend hands an assembled backend unit to the fan-out, or to the
// client when mirrors are off.
func (s *eioSession) fromBackend(a *socketio.Assembler) error {
	c := &s.clx
	if c.cs == nil {
		return s.deliverUnit(a)
	}
	c.out = unitParts(c.out, a)
	err := c.cs.FromBackend(Unit{Op: ws.OpText, Parts: c.out})
	clear(c.out)
	return err
}

// fromBackendRaw hands one backend message (ProtocolEngineIO) to the
// fan-out as a unit, or to the client when mirrors are off.
func (s *eioSession) fromBackendRaw(op ws.OpCode, p []byte) error {
	c := &s.clx
	if c.cs == nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.deliverRawLocked(op, p)
	}
	c.out = append(c.out[:0], p)
	err := c.cs.FromBackend(Unit{Op: op, Parts: c.out})
	clear(c.out)
	return err
}

func unitParts(dst [][]byte, a *socketio.Assembler) [][]byte {
	dst = dst[:0]
	for i := range a.Len() {
		dst = append(dst, a.Part(i))
	}
	return dst
}

// closeUpstream closes the backend websocket, after the fan-out wrote what
// it held and the release grace passed.
func (s *eioSession) closeUpstream() {
	if s.clx.cs != nil {
		s.clx.cs.Closed(func() { s.up.closeWith(ws.StatusNormalClosure, "") })
		return
	}
	s.up.closeWith(ws.StatusNormalClosure, "")
}

// eioHome is an Engine.IO session as the fan-out drives it. s is set once
// the backend answered; until then the client has sent nothing, so nothing
// answers it either (a Socket.IO server sends nothing before a CONNECT) and
// the fan-out has nothing to write.
type eioHome struct{ s atomic.Pointer[eioSession] }

var _ Home = (*eioHome)(nil)

// session returns the session once its backend answered.
func (h *eioHome) session() (*eioSession, error) {
	if s := h.s.Load(); s != nil {
		return s, nil
	}
	return nil, errEIONotOpen
}

func (h *eioHome) WriteBackend(u Unit) error {
	s, err := h.session()
	if err != nil {
		return err
	}
	return writeUnit(s.up, u)
}

func (h *eioHome) FlushBackend() error {
	s, err := h.session()
	if err != nil {
		return err
	}
	return s.up.Flush()
}

func (h *eioHome) WriteClient(u Unit) error {
	s, err := h.session()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range u.Parts {
		op := u.Op
		if i > 0 {
			op = ws.OpBinary
		}
		if err := s.deliverRawLocked(op, p); err != nil {
			return err
		}
	}
	return nil
}

func (h *eioHome) FlushClient() error {
	s, err := h.session()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushClientLocked()
}

func (h *eioHome) Close(reason string) {
	if s := h.s.Load(); s != nil {
		s.close(reason)
	}
}
