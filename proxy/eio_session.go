package proxy

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
	"github.com/valyala/bytebufferpool"

	"github.com/sidecast/sidecast/proxy/engineio"
	"github.com/sidecast/sidecast/proxy/socketio"
)

// eioState is the client transport of an Engine.IO session.
type eioState uint8

const (
	eioPolling   eioState = iota // long-polling; a websocket may be probing
	eioWebSocket                 // on the client's websocket
	eioClosed
)

// eioEnd is why a session ends, which decides what a polling client sees,
// as on the reference server (its polling transport's close).
type eioEnd uint8

const (
	// endServer: the backend (or sidecast's shutdown) closed the session. A
	// waiting GET gets a close packet; otherwise the sid lingers (at most
	// closeGrace) until a GET has taken what was queued and then a noop and
	// a close packet.
	endServer eioEnd = iota
	// endError: a heartbeat, transport or parse failure. A waiting GET gets
	// a close packet and the sid is unknown at once.
	endError
	// endClient: the client's own close packet. A waiting GET gets a noop
	// and the sid is unknown at once.
	endClient
)

// eioSession is one Engine.IO client session: the client side (long-polling
// requests, then maybe a websocket) and one upstream websocket leg speaking
// Engine.IO to the backend. sidecast answers each side's heartbeat itself.
//
// Locks: mu guards the client side. It may be taken while holding a leg's
// rmu (a worker relaying) and is held while calling a leg's WriteMessage,
// Flush or closeWith (which take that leg's wmu); nothing takes mu while
// holding a wmu. inMu serializes client→backend packets, which come from a
// POST handler or the client websocket's worker.
type eioSession struct {
	e   *eioServer
	sid string
	hs  engineio.Handshake // what the client was sent: our sid, the backend's timings
	up  *wsLeg

	toClient   eioToClient   // the upstream leg's peer
	fromClient eioFromClient // the client websocket leg's peer

	mu       sync.Mutex
	state    eioState
	ws       *wsLeg                     // client websocket once upgraded (or from the start)
	probe    *wsLeg                     // client websocket while it probes
	poll     *bytebufferpool.ByteBuffer // polling payload waiting for a GET
	wake     chan struct{}              // closed to release the pending GET
	getBusy  bool
	postBusy bool
	cors     [][2]string // response headers learned from the backend
	pingT    *time.Timer
	pongT    *time.Timer
	forgetT  *time.Timer // drops the sid closeGrace after close
	reason   string      // why the session closed
	end      eioEnd      // how it closed

	inMu      sync.Mutex
	inHdr     socketio.Header
	inAsm     socketio.Assembler
	inScratch []byte

	released atomic.Bool

	clx eioCluster // the fan-out's side, zero when mirrors are off
}

func newEIOSession(e *eioServer, up *upstreamConn, backend engineio.Handshake) (*eioSession, error) {
	s := &eioSession{e: e, sid: e.newSID(), hs: backend}
	s.hs.SID = s.sid
	s.toClient.s, s.fromClient.s = s, s
	maxBytes := int(e.srv.cfg.MaxPayload)
	s.toClient.asm.MaxBytes, s.inAsm.MaxBytes = maxBytes, maxBytes
	leg, err := newLeg(&eioLegOwner{s: s}, upstreamSide, up.conn)
	if err != nil {
		return nil, err
	}
	leg.peer = &s.toClient
	s.up = leg
	return s, nil
}

// appendOpen appends the open packet for a client on transport upgrades.
func (s *eioSession) appendOpen(dst []byte, upgrades []string) []byte {
	hs := s.hs
	hs.Upgrades = upgrades
	dst = append(dst, '0')
	return engineio.AppendHandshake(dst, hs)
}

// startUpstream registers the backend leg and starts the heartbeat; false
// means the session is already closing.
func (s *eioSession) startUpstream(buffered []byte) bool {
	if !s.e.add(s) {
		s.close("server shutting down")
		s.forceClose()
		return false
	}
	if err := s.up.register(buffered); err != nil {
		s.close("proxy error")
		s.forceClose()
		return false
	}
	s.startHeartbeat()
	return true
}

// close ends the session from the server's side (endServer).
func (s *eioSession) close(reason string) { s.closeAs(endServer, reason) }

// fail ends the session after a failure (endError).
func (s *eioSession) fail(reason string) { s.closeAs(endError, reason) }

// closeAs ends the session once: the client gets an Engine.IO close (on
// polling as end says; a websocket close otherwise) and the backend's
// websocket is closed, which its Engine.IO reports as "transport close".
func (s *eioSession) closeAs(end eioEnd, reason string) {
	s.mu.Lock()
	if s.state == eioClosed {
		s.mu.Unlock()
		return
	}
	prev := s.state
	s.state, s.reason, s.end = eioClosed, reason, end
	s.stopHeartbeatLocked()
	// Client websockets close as engine.io's do: a close frame without a
	// code.
	if s.probe != nil {
		s.probe.closeWith(ws.StatusNoStatusRcvd, "")
	}
	linger := prev == eioPolling && end == endServer
	if prev == eioWebSocket {
		s.ws.closeWith(ws.StatusNoStatusRcvd, "")
	} else {
		s.wakeLocked()
	}
	if linger {
		// The client may still fetch what was queued and the close packet;
		// then the sid is gone.
		s.forgetT = time.AfterFunc(closeGrace, s.forget)
	}
	s.mu.Unlock()
	if !linger {
		s.forget()
	}
	s.closeUpstream()
	if s.released.CompareAndSwap(false, true) {
		s.e.srv.release()
	}
}

// forget drops the session from the registry and releases what it holds.
func (s *eioSession) forget() {
	s.e.remove(s)
	s.mu.Lock()
	if s.poll != nil {
		bytebufferpool.Put(s.poll)
		s.poll = nil
	}
	s.mu.Unlock()
}

// forceClose closes every socket of a closed session now.
func (s *eioSession) forceClose() {
	s.mu.Lock()
	legs := [3]*wsLeg{s.up, s.ws, s.probe}
	if s.forgetT != nil && s.forgetT.Stop() {
		defer s.forget()
	}
	s.mu.Unlock()
	for _, l := range legs {
		if l != nil {
			l.forceClose()
		}
	}
	s.e.remove(s)
}

func (s *eioSession) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == eioClosed
}
