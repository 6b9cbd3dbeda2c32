package proxy

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gobwas/ws"

	"github.com/sidecast/sidecast/proxy/engineio"
	"github.com/sidecast/sidecast/proxy/socketio"
)

// MirrorHandler receives what a backend sends to a mirror. Calls come from
// the worker serving the mirror's leg, one at a time, and must not block.
type MirrorHandler interface {
	// MirrorUnit is a unit the backend sent; its bytes are valid only
	// during the call.
	MirrorUnit(u Unit)
	// MirrorClosed says the backend ended the mirror: code is its close
	// frame's status, 0 for a lost connection or a protocol error. It is
	// called at most once, and never after Mirror.Close.
	MirrorClosed(code ws.StatusCode)
}

// Mirror is an upstream session this node opened to its own backend on
// behalf of a client whose home is another node. It parks no goroutine:
// its leg sits in the poller like any other.
type Mirror struct {
	leg  *wsLeg
	h    MirrorHandler
	once sync.Once
}

// DialMirror opens a mirror to this server's backend with handshake hs,
// marked with MirrorHeader and home's node id. Units the backend sends go
// to h (for Socket.IO: whole packets with their attachments; the mirror
// answers the backend's pings itself).
func (s *Server) DialMirror(ctx context.Context, hs Handshake, home string, h MirrorHandler) (*Mirror, error) {
	up, err := s.dialMirrorConn(ctx, hs, home)
	if err != nil {
		return nil, err
	}
	m := &Mirror{h: h}
	if m.leg, err = newLeg(&mirrorOwner{m: m, srv: s}, upstreamSide, up.conn); err != nil {
		up.conn.Close()
		return nil, err
	}
	if s.cfg.Protocol.EngineIO() {
		m.leg.peer = &eioMirrorSink{m: m, raw: s.cfg.Protocol == ProtocolEngineIO}
	} else {
		m.leg.peer = &wsMirrorSink{m: m}
	}
	if err := m.leg.register(up.buffered); err != nil {
		m.leg.forceClose()
		return nil, err
	}
	return m, nil
}

func (s *Server) dialMirrorConn(ctx context.Context, hs Handshake, home string) (*upstreamConn, error) {
	h := hs.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set(MirrorHeader, "1")
	h.Set(MirrorHomeHeader, home)
	protocols := offeredProtocols(h)
	h.Del("Sec-WebSocket-Protocol")
	de := &dialError{}
	d := ws.Dialer{
		Timeout:       s.cfg.DialTimeout,
		Protocols:     protocols,
		Host:          s.dialHost(h),
		Header:        ws.HandshakeHeaderHTTP(h),
		OnStatusError: func(status int, _ []byte, _ io.Reader) { de.status = status },
	}
	r := &http.Request{URL: &url.URL{Path: hs.Path, RawQuery: hs.RawQuery}}
	conn, br, _, err := d.Dial(ctx, s.upstreamURL(r).String())
	if err != nil {
		de.err = err
		return nil, de
	}
	up := &upstreamConn{conn: conn}
	if br != nil {
		up.buffered, err = drainReader(br)
		ws.PutReader(br)
	}
	if err == nil && s.cfg.Protocol.EngineIO() {
		err = readMirrorOpen(ctx, up)
	}
	if err != nil {
		conn.Close()
		return nil, &dialError{err: err}
	}
	_ = conn.SetDeadline(time.Time{})
	return up, nil
}

// readMirrorOpen consumes the backend's Engine.IO open packet.
func readMirrorOpen(ctx context.Context, up *upstreamConn) error {
	deadline, _ := ctx.Deadline()
	open, rest, err := readFirstMessage(up.conn, up.buffered, deadline)
	if err != nil {
		return fmt.Errorf("%w: %w", errEIOBadOpen, err)
	}
	if pkt, err := engineio.ParsePacket(open, false); err != nil || pkt.Type != engineio.Open {
		return errEIOBadOpen
	}
	up.buffered = rest
	return nil
}

// Write sends u to the backend and flushes it. "Written" means queued on the
// mirror's socket, not processed by the backend.
func (m *Mirror) Write(u Unit) error {
	if err := writeUnit(m.leg, u); err != nil {
		return err
	}
	return m.leg.Flush()
}

// Close ends the mirror (the backend sees its client leave). Idempotent;
// MirrorClosed is not called for it.
func (m *Mirror) Close() {
	m.once.Do(func() {})
	m.leg.closeWith(ws.StatusNormalClosure, "")
}

// backendEnded reports the end to the handler once.
func (m *Mirror) backendEnded(code ws.StatusCode) {
	m.once.Do(func() { m.h.MirrorClosed(code) })
}

// mirrorOwner is what a mirror's leg reports to.
type mirrorOwner struct {
	m   *Mirror
	srv *Server
}

var _ legOwner = (*mirrorOwner)(nil)

func (o *mirrorOwner) server() *Server { return o.srv }

func (o *mirrorOwner) onLost(l *wsLeg) {
	l.forceClose()
	o.m.backendEnded(0)
}

func (o *mirrorOwner) onReadError(l *wsLeg, err error) {
	o.srv.log.Debug("mirror closed", "err", err)
	l.closeWith(ws.StatusGoingAway, "")
	o.m.backendEnded(0)
}

func (o *mirrorOwner) count(side, int) {}

func (o *mirrorOwner) onCloseFrame(l *wsLeg, code ws.StatusCode, _ string) {
	l.closeWith(code, "")
	o.m.backendEnded(code)
}

func (o *mirrorOwner) legClosed() {}

// wsMirrorSink takes a WebSocket mirror's messages: one message, one unit.
type wsMirrorSink struct {
	m   *Mirror
	one [1][]byte
}

func (w *wsMirrorSink) WriteMessage(op ws.OpCode, p []byte) error {
	w.one[0] = p
	w.m.h.MirrorUnit(Unit{Op: op, Parts: w.one[:]})
	w.one[0] = nil
	return nil
}

func (w *wsMirrorSink) Flush() error { return nil }

// eioMirrorSink takes an Engine.IO mirror's messages: it answers pings and
// hands over whole Socket.IO packets with their attachments, or with raw
// (ProtocolEngineIO) each message as it came.
type eioMirrorSink struct {
	m     *Mirror
	raw   bool
	hdr   socketio.Header
	asm   socketio.Assembler
	parts [][]byte
	one   [1][]byte
}

func (e *eioMirrorSink) WriteMessage(op ws.OpCode, p []byte) error {
	if e.raw && (op == ws.OpBinary || len(p) > 0 && p[0] == '4') {
		e.one[0] = p
		e.m.h.MirrorUnit(Unit{Op: op, Parts: e.one[:]})
		e.one[0] = nil
		return nil
	}
	if op == ws.OpBinary {
		done, err := e.asm.AddAttachment(p)
		if err != nil || !done {
			return err
		}
		return e.deliver()
	}
	pkt, err := engineio.ParsePacket(p, false)
	if err != nil {
		return err
	}
	switch pkt.Type {
	case engineio.Message:
		if err := e.hdr.Parse(pkt.Data); err != nil {
			return err
		}
		done, err := e.asm.AddPacket(p, e.hdr.Attachments)
		if err != nil || !done {
			return err
		}
		return e.deliver()
	case engineio.Ping:
		if err := e.m.leg.WriteMessage(ws.OpText, engineio.PongPacket); err != nil {
			return err
		}
		return e.m.leg.Flush()
	case engineio.Close:
		return errEIOClosed
	}
	return nil
}

func (e *eioMirrorSink) deliver() error {
	e.parts = unitParts(e.parts, &e.asm)
	e.m.h.MirrorUnit(Unit{Op: ws.OpText, Parts: e.parts})
	clear(e.parts)
	return nil
}

func (e *eioMirrorSink) Flush() error { return nil }
