package proxy

import (
	"errors"

	"github.com/gobwas/ws"

	"github.com/sidecast/sidecast/proxy/wsframe"
)

// eioLegOwner is what the legs of an Engine.IO session report to. A leg
// that fails ends the session, except a probing client websocket, whose
// failure only abandons the upgrade.
type eioLegOwner struct{ s *eioSession }

var _ legOwner = (*eioLegOwner)(nil)

func (o *eioLegOwner) server() *Server { return o.s.e.srv }

func (o *eioLegOwner) onLost(l *wsLeg) {
	s := o.s
	if l.side == upstreamSide {
		if !s.isClosed() {
			s.e.srv.stats.backendLost.Add(1)
		}
		s.close("backend connection lost")
		l.forceClose()
		return
	}
	if !s.dropProbe(l) && s.isClientWS(l) {
		s.fail("transport close")
	}
	l.forceClose()
}

func (o *eioLegOwner) onReadError(l *wsLeg, err error) {
	s := o.s
	var perr *wsframe.Error
	if l.side == clientSide && !s.isClientWS(l) {
		// A probing websocket, or one whose probe was dropped: whatever
		// fails on it ends the probe only, as on the reference server.
		code := ws.StatusNoStatusRcvd
		if errors.As(err, &perr) {
			o.countProtocol(l, perr)
			code = perr.Code
		}
		s.dropProbe(l)
		l.closeWith(code, "")
		return
	}
	switch {
	case errors.As(err, &perr):
		o.countProtocol(l, perr)
		reason := perr.Msg
		if l.side == clientSide {
			reason = "" // as engine.io's websocket: the code alone
		}
		l.closeWith(perr.Code, reason) // first, so this leg gets its own code
		s.fail("protocol error: " + perr.Msg)
	case errors.Is(err, ErrQueueFull):
		if l.side == clientSide {
			s.e.srv.stats.slowBackend.Add(1)
		} else {
			s.e.srv.stats.slowClient.Add(1)
		}
		s.fail("write queue full")
	case errors.Is(err, ErrLegBroken):
		s.fail("transport close")
	case errors.Is(err, errEIOClosed):
		// The session was closed by an Engine.IO close packet.
	case errors.Is(err, errStop):
		// A close frame ended the leg's stream; onCloseFrame already closed
		// the session (or dropped the probe). A clean close, not an error.
	default:
		// A malformed Engine.IO or Socket.IO packet, or an incomplete unit.
		if l.side == clientSide {
			s.e.srv.stats.clientProtocol.Add(1)
		} else {
			s.e.srv.stats.backendProtocol.Add(1)
		}
		s.e.srv.log.Debug("engine.io session closed", "sid", s.sid, "err", err)
		s.fail("parse error")
	}
}

func (o *eioLegOwner) countProtocol(l *wsLeg, perr *wsframe.Error) {
	st := &o.s.e.srv.stats
	switch {
	case perr.Code == ws.StatusMessageTooBig:
		st.tooLarge.Add(1)
	case l.side == clientSide:
		st.clientProtocol.Add(1)
	default:
		st.backendProtocol.Add(1)
	}
}

func (o *eioLegOwner) count(sd side, n int) {
	st := &o.s.e.srv.stats
	if sd == clientSide {
		st.msgsToBackend.Add(1)
		st.bytesToBackend.Add(uint64(n))
		return
	}
	st.msgsToClient.Add(1)
	st.bytesToClient.Add(uint64(n))
}

// onCloseFrame: a websocket close from the client or the backend ends the
// Engine.IO session (a probing websocket only ends its probe).
func (o *eioLegOwner) onCloseFrame(l *wsLeg, code ws.StatusCode, _ string) {
	if l.side == clientSide && o.s.dropProbe(l) {
		l.closeWith(code, "")
		return
	}
	l.closeWith(code, "") // echo the code before the session closes the leg
	if l.side == clientSide {
		o.s.fail("transport close")
		return
	}
	o.s.close("transport close")
}

func (o *eioLegOwner) legClosed() {}
