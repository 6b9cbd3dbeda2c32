package proxy

import (
	"io"
	"net"
	"net/http"
	"time"

	"github.com/gobwas/ws"

	"github.com/sidecast/sidecast/proxy/engineio"
)

// acceptClientWS upgrades the client's request and returns its leg, owned
// by s, with the bytes it sent behind its handshake.
func (s *eioSession) acceptClientWS(w http.ResponseWriter, r *http.Request) (*wsLeg, []byte, bool) {
	// Headers set by handlers in front of the proxy (the affinity cookie)
	// go out with the 101 answer, which the upgrader writes itself.
	u := ws.HTTPUpgrader{Timeout: s.e.srv.cfg.HandshakeTimeout, Header: w.Header()}
	conn, rw, _, err := u.Upgrade(r, w)
	if err != nil {
		s.e.srv.log.Debug("engine.io client upgrade failed", "err", err)
		return nil, nil, false
	}
	buffered, err := drainReader(rw.Reader)
	if err != nil {
		conn.Close()
		return nil, nil, false
	}
	_ = conn.SetDeadline(time.Time{})
	leg, err := newLeg(&eioLegOwner{s: s}, clientSide, conn)
	if err != nil {
		conn.Close()
		return nil, nil, false
	}
	leg.peer = &s.fromClient
	// The backend's maxPayload holds on the websocket too (1009 past it).
	leg.dec.MaxPayload = min(leg.dec.MaxPayload, s.maxPayload())
	return leg, buffered, true
}

// startWebSocket serves a session that starts on the websocket transport.
func (s *eioSession) startWebSocket(w http.ResponseWriter, r *http.Request, buffered []byte) {
	leg, clientBuf, ok := s.acceptClientWS(w, r)
	if !ok {
		s.fail("transport error")
		s.forceClose()
		return
	}
	s.mu.Lock()
	s.state, s.ws = eioWebSocket, leg
	s.mu.Unlock()
	_ = leg.WriteMessage(ws.OpText, s.appendOpen(nil, []string{}))
	if !s.startUpstream(buffered) {
		leg.forceClose()
		return
	}
	if err := leg.register(clientBuf); err != nil {
		s.close("proxy error")
		s.forceClose()
		return
	}
	_ = leg.Flush()
}

// serveUpgrade starts the polling→websocket upgrade: the new websocket
// probes ("2probe"/"3probe") while polling goes on, and takes over on "5".
// A websocket for a session that upgraded already or is probing another
// completes its handshake and is closed, as on the reference server.
func (s *eioSession) serveUpgrade(w http.ResponseWriter, r *http.Request) {
	leg, buffered, ok := s.acceptClientWS(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	if s.state != eioPolling || s.probe != nil {
		s.mu.Unlock()
		s.refuseWS(leg.conn)
		return
	}
	s.probe = leg
	s.mu.Unlock()
	if err := leg.register(buffered); err != nil {
		s.dropProbe(leg)
		leg.forceClose()
	}
}

// refuseWS closes an accepted websocket that cannot join its session: a
// close frame without a code, then the socket once the client answered
// (bounded by CloseGrace), so the close frame is not lost to a reset.
func (s *eioSession) refuseWS(conn net.Conn) {
	defer conn.Close()
	if err := ws.WriteFrame(conn, ws.NewCloseFrame(nil)); err != nil {
		return
	}
	_ = conn.SetReadDeadline(time.Now().Add(s.e.srv.cfg.CloseGrace))
	for {
		h, err := ws.ReadHeader(conn)
		if err != nil || h.OpCode == ws.OpClose {
			return
		}
		if _, err := io.CopyN(io.Discard, conn, h.Length); err != nil {
			return
		}
	}
}

// probeStep handles a packet from a probing websocket.
func (s *eioSession) probeStep(pkt engineio.Packet) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.probe == nil {
		return errEIOProtocol
	}
	switch {
	case pkt.Type == engineio.Ping && string(pkt.Data) == "probe":
		if err := s.probe.WriteMessage(ws.OpText, engineio.ProbePong); err != nil {
			return err
		}
		// A noop releases a waiting GET so the client can pause polling.
		// Without one nothing is queued: the reference answers only a GET
		// it holds, and a later GET would find a stale noop.
		if s.getBusy {
			if err := s.appendPollLocked(engineio.Packet{Type: engineio.Noop}); err != nil {
				return err
			}
			s.wakeLocked()
		}
		return s.probe.Flush()
	case pkt.Type == engineio.Upgrade:
		return s.completeUpgradeLocked()
	}
	return errEIOProtocol
}

// completeUpgradeLocked moves the session to the websocket: what was
// queued for polling goes out on it first, in order.
func (s *eioSession) completeUpgradeLocked() error {
	s.state, s.ws, s.probe = eioWebSocket, s.probe, nil
	if s.poll != nil {
		var d engineio.PayloadDecoder
		d.Reset(s.poll.B)
		var tmp []byte
		for {
			pkt, ok, err := d.Next()
			if err != nil || !ok {
				break
			}
			if pkt.Type == engineio.Noop {
				continue
			}
			op := ws.OpText
			if pkt.Binary {
				op = ws.OpBinary
			}
			tmp = engineio.AppendPacket(tmp[:0], pkt)
			if err := s.ws.WriteMessage(op, tmp); err != nil {
				return err
			}
		}
		s.poll.B = s.poll.B[:0]
	}
	s.wakeLocked()
	return s.ws.Flush()
}

// isClientWS reports whether l is the client websocket the session runs on.
func (s *eioSession) isClientWS(l *wsLeg) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ws == l
}

// dropProbe abandons an upgrade whose websocket failed; false when l is not
// the probing websocket.
func (s *eioSession) dropProbe(l *wsLeg) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.probe != l || l == nil {
		return false
	}
	s.probe = nil
	return true
}
