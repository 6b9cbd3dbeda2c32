package proxy

import (
	"errors"
	"net"
	"sync/atomic"

	"github.com/gobwas/ws"

	"github.com/sidecast/sidecast/proxy/wsframe"
)

// messageSink is one side of a session as the other side sees it: something
// that takes whole messages. A WebSocket leg is one; an Engine.IO client side
// (websocket or long-polling) and the fan-out's delivery to a client are the
// next ones.
type messageSink interface {
	// WriteMessage queues one whole message. It must not block: it returns
	// ErrQueueFull when the sink's bounded queue would overflow.
	WriteMessage(op ws.OpCode, p []byte) error
	// Flush pushes queued messages out without blocking.
	Flush() error
}

// errStop ends a Feed after a close frame; the session is already closing.
var errStop = errors.New("proxy: leg stopped")

// session is one proxied client: a client leg and an upstream leg, each the
// other's sink.
type session struct {
	srv        *Server
	client     *wsLeg
	upstream   *wsLeg
	done       atomic.Bool
	legsClosed atomic.Int32
	cl         ClusterSession // the fan-out's side, nil when mirrors are off
}

func (s *session) server() *Server { return s.srv }

func newSession(srv *Server, clientConn, upConn net.Conn) (*session, error) {
	s := &session{srv: srv}
	var err error
	if s.client, err = newLeg(s, clientSide, clientConn); err != nil {
		return nil, err
	}
	if s.upstream, err = newLeg(s, upstreamSide, upConn); err != nil {
		return nil, err
	}
	s.client.peer, s.upstream.peer = s.upstream, s.client
	return s, nil
}

// start registers both legs; the backend's read-ahead goes first so nothing it
// sent is overtaken by the client's first message's answer.
func (s *session) start(clientBuf, upBuf []byte) {
	if err := s.upstream.register(upBuf); err != nil {
		s.abort(err)
		return
	}
	if err := s.client.register(clientBuf); err != nil {
		s.abort(err)
	}
}

func (s *session) abort(err error) {
	s.srv.log.Warn("session setup failed", "err", err)
	s.finish(ws.StatusInternalServerError, "proxy error", ws.StatusGoingAway, "proxy error")
	s.client.forceClose()
	s.upstream.forceClose()
}

// finish closes both legs once, with the close frame each side gets.
func (s *session) finish(clientCode ws.StatusCode, clientReason string, upCode ws.StatusCode, upReason string) {
	if !s.done.CompareAndSwap(false, true) {
		return
	}
	s.client.closeWith(clientCode, clientReason)
	s.closeUpstream(upCode, upReason)
}

// finishFrom closes the session because of leg l: l gets (own, ownReason) and
// the other side gets (other, otherReason).
func (s *session) finishFrom(l *wsLeg, own ws.StatusCode, ownReason string, other ws.StatusCode, otherReason string) {
	if l.side == clientSide {
		s.finish(own, ownReason, other, otherReason)
	} else {
		s.finish(other, otherReason, own, ownReason)
	}
}

// onCloseFrame carries a close code and reason to the other side and echoes
// the code back, as RFC 6455 asks.
func (s *session) onCloseFrame(l *wsLeg, code ws.StatusCode, reason string) {
	s.finishFrom(l, code, "", code, reason)
}

// onLost handles a leg whose connection ended without a close frame.
func (s *session) onLost(l *wsLeg) {
	if l.side == upstreamSide {
		if !s.done.Load() {
			s.srv.stats.backendLost.Add(1)
		}
		s.finish(ws.StatusInternalServerError, "backend connection lost", 0, "")
		return
	}
	s.finish(0, "", ws.StatusGoingAway, "client went away")
}

// onReadError handles what stopped leg l's decoding: its peer broke the
// protocol, or the other side could not take a message.
func (s *session) onReadError(l *wsLeg, err error) {
	var perr *wsframe.Error
	switch {
	case errors.As(err, &perr):
		s.onProtocolError(l, perr)
	case errors.Is(err, errOwnQueueFull):
		s.onSlowPeer(s.otherLeg(l))
	case errors.Is(err, ErrQueueFull):
		s.onSlowPeer(l)
	case errors.Is(err, ErrLegBroken):
		s.onLost(s.otherLeg(l))
	}
}

// onProtocolError counts the error only while the session is live: once it
// is finishing for another reason (a slow client closed with 1008), what its
// legs read on the way out is a consequence, and counting it too would give
// one session two drop reasons.
func (s *session) onProtocolError(l *wsLeg, perr *wsframe.Error) {
	switch {
	case s.done.Load():
	case perr.Code == ws.StatusMessageTooBig:
		s.srv.stats.tooLarge.Add(1)
	case l.side == clientSide:
		s.srv.stats.clientProtocol.Add(1)
	default:
		s.srv.stats.backendProtocol.Add(1)
	}
	if l.side == clientSide {
		s.finishFrom(l, perr.Code, perr.Msg, ws.StatusGoingAway, "client closed: "+perr.Msg)
		return
	}
	s.finishFrom(l, perr.Code, perr.Msg, ws.StatusInternalServerError, "backend error: "+perr.Msg)
}

// onSlowPeer closes the side whose write queue overflowed with 1008.
func (s *session) onSlowPeer(l *wsLeg) {
	const reason = "write queue full"
	if l.side == clientSide {
		s.srv.stats.slowBackend.Add(1)
		s.finish(ws.StatusInternalServerError, "backend too slow", ws.StatusPolicyViolation, reason)
		return
	}
	s.srv.stats.slowClient.Add(1)
	s.finish(ws.StatusPolicyViolation, reason, ws.StatusGoingAway, "client too slow")
}

// count records a message relayed from leg side sd.
func (s *session) count(sd side, n int) {
	st := &s.srv.stats
	if sd == clientSide {
		st.msgsToBackend.Add(1)
		st.bytesToBackend.Add(uint64(n))
		return
	}
	st.msgsToClient.Add(1)
	st.bytesToClient.Add(uint64(n))
}

// legClosed is called once per leg; the second one ends the session.
func (s *session) legClosed() {
	if s.legsClosed.Add(1) == 2 {
		s.done.Store(true)
		s.srv.forget(s)
	}
}
