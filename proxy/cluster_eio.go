package proxy

import (
	"net/http"

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

// attachCluster opens the session's ClusterSession with the handshake its
// backend got: the client's query with transport=websocket and no sid.
func (s *eioSession) attachCluster(r *http.Request) {
	c := s.e.srv.cl
	if c == nil {
		return
	}
	q := r.URL.Query()
	q.Set("transport", "websocket")
	q.Del("sid")
	hs := Handshake{Path: r.URL.Path, RawQuery: q.Encode(), Header: upstreamHeader(r)}
	s.clx.cs = c.OpenSession(hs, &eioHome{s: s})
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

// eioHome is an Engine.IO session as the fan-out drives it.
type eioHome struct{ s *eioSession }

var _ Home = (*eioHome)(nil)

func (h *eioHome) WriteBackend(u Unit) error { return writeUnit(h.s.up, u) }
func (h *eioHome) FlushBackend() error       { return h.s.up.Flush() }

func (h *eioHome) WriteClient(u Unit) error {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range u.Parts {
		op := ws.OpText
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
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushClientLocked()
}

func (h *eioHome) Close(reason string) { h.s.close(reason) }
