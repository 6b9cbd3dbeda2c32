package proxy

import (
	"github.com/gobwas/ws"

	"github.com/sidecast/sidecast/proxy/engineio"
	"github.com/sidecast/sidecast/proxy/socketio"
)

// eioToClient is the upstream leg's peer: it takes the backend's Engine.IO
// packets, answers the backend's pings, and hands Socket.IO packets (a
// binary one together with its attachments) to the client's transport. It
// is only called by the worker serving the upstream leg, which owns hdr and asm.
type eioToClient struct {
	s   *eioSession
	hdr socketio.Header
	asm socketio.Assembler
}

var _ messageSink = (*eioToClient)(nil)

// WriteMessage takes one websocket message from the backend.
func (t *eioToClient) WriteMessage(op ws.OpCode, p []byte) error {
	s := t.s
	if s.e.raw && (op == ws.OpBinary || len(p) > 0 && p[0] == '4') {
		return s.fromBackendRaw(op, p)
	}
	if op == ws.OpBinary {
		done, err := t.asm.AddAttachment(p)
		if err != nil || !done {
			return err
		}
		return s.fromBackend(&t.asm)
	}
	pkt, err := engineio.ParsePacket(p, false)
	if err != nil {
		return err
	}
	switch pkt.Type {
	case engineio.Message:
		if err := t.hdr.Parse(pkt.Data); err != nil {
			return err
		}
		done, err := t.asm.AddPacket(p, t.hdr.Attachments)
		if err != nil || !done {
			return err
		}
		return s.fromBackend(&t.asm)
	case engineio.Ping:
		if err := s.up.WriteMessage(ws.OpText, engineio.PongPacket); err != nil {
			return err
		}
		return s.up.Flush()
	case engineio.Pong, engineio.Noop:
		return nil
	case engineio.Close:
		s.close("backend closed")
		return errEIOClosed
	}
	return errEIOProtocol
}

// Flush pushes what the relay queued toward the client.
func (t *eioToClient) Flush() error {
	s := t.s
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushClientLocked()
}

// deliverUnit hands a whole unit (a packet and its attachments) to the
// client's transport under one lock, so nothing interleaves with it.
func (s *eioSession) deliverUnit(a *socketio.Assembler) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range a.Len() {
		op := ws.OpText
		if i > 0 {
			op = ws.OpBinary
		}
		if err := s.deliverRawLocked(op, a.Part(i)); err != nil {
			return err
		}
	}
	return nil
}

// deliverRawLocked queues one websocket-encoded Engine.IO message (a text
// packet with its type digit, or binary data) for the client.
func (s *eioSession) deliverRawLocked(op ws.OpCode, p []byte) error {
	switch s.state {
	case eioWebSocket:
		return s.ws.WriteMessage(op, p)
	case eioPolling:
		if op == ws.OpBinary {
			return s.appendPollLocked(engineio.Packet{Type: engineio.Message, Binary: true, Data: p})
		}
		pkt, err := engineio.ParsePacket(p, false)
		if err != nil {
			return err
		}
		return s.appendPollLocked(pkt)
	}
	return errEIOClosed
}

// deliverLocked queues one Engine.IO packet for the client.
func (s *eioSession) deliverLocked(pkt engineio.Packet) error {
	switch s.state {
	case eioWebSocket:
		if pkt.Type == engineio.Ping && len(pkt.Data) == 0 {
			return s.ws.WriteMessage(ws.OpText, engineio.PingPacket)
		}
		return errEIOProtocol
	case eioPolling:
		return s.appendPollLocked(pkt)
	}
	return errEIOClosed
}

// flushClientLocked pushes queued bytes to the client's websocket, or
// releases the pending GET.
func (s *eioSession) flushClientLocked() error {
	switch s.state {
	case eioWebSocket:
		return s.ws.Flush()
	case eioPolling:
		if s.poll != nil && len(s.poll.B) > 0 {
			s.wakeLocked()
		}
	}
	return nil
}

// eioFromClient is the client websocket leg's peer (while it probes and
// after the upgrade). Long-polling POSTs feed clientPacket directly.
type eioFromClient struct{ s *eioSession }

var _ messageSink = (*eioFromClient)(nil)

// WriteMessage takes one websocket message from the client.
func (f *eioFromClient) WriteMessage(op ws.OpCode, p []byte) error {
	s := f.s
	s.mu.Lock()
	probing := s.state == eioPolling
	s.mu.Unlock()
	if op == ws.OpBinary {
		if probing {
			return errEIOProtocol
		}
		return s.clientPacket(engineio.Packet{Type: engineio.Message, Binary: true, Data: p}, p)
	}
	pkt, err := engineio.ParsePacket(p, false)
	if err != nil {
		return err
	}
	if probing {
		return s.probeStep(pkt)
	}
	return s.clientPacket(pkt, p)
}

// Flush pushes what the client sent on to the backend.
func (f *eioFromClient) Flush() error { return f.s.up.Flush() }

// clientPacket relays one packet from the client, whatever its transport.
// raw is the packet's websocket encoding when it came on a websocket.
func (s *eioSession) clientPacket(pkt engineio.Packet, raw []byte) error {
	s.inMu.Lock()
	defer s.inMu.Unlock()
	switch pkt.Type {
	case engineio.Message:
		return s.clientMessageLocked(pkt, raw)
	case engineio.Pong:
		s.gotPong()
		return nil
	case engineio.Noop, engineio.Open, engineio.Upgrade, engineio.Close:
		// Ignored, as the reference's socket does; a close packet ends
		// the session only on polling (relayPost).
		return nil
	}
	return errEIOProtocol // a ping: the client must not ping in Engine.IO v4
}

func (s *eioSession) clientMessageLocked(pkt engineio.Packet, raw []byte) error {
	if s.e.raw {
		return s.clientRawLocked(pkt, raw)
	}
	var done bool
	var err error
	if pkt.Binary {
		done, err = s.inAsm.AddAttachment(pkt.Data)
	} else {
		if err = s.inHdr.Parse(pkt.Data); err != nil {
			return err
		}
		if raw == nil {
			s.inScratch = engineio.AppendPacket(s.inScratch[:0], pkt)
			raw = s.inScratch
		}
		done, err = s.inAsm.AddPacket(raw, s.inHdr.Attachments)
	}
	if err != nil || !done {
		return err
	}
	if s.clx.cs != nil {
		return s.clx.fromClient(&s.inAsm)
	}
	for i := range s.inAsm.Len() {
		op := ws.OpText
		if i > 0 {
			op = ws.OpBinary
		}
		if err := s.up.WriteMessage(op, s.inAsm.Part(i)); err != nil {
			return err
		}
	}
	return nil
}

// clientRawLocked relays one client message whole (ProtocolEngineIO): a
// text message as its Engine.IO packet ("4…"), binary data as it came.
func (s *eioSession) clientRawLocked(pkt engineio.Packet, raw []byte) error {
	op := ws.OpText
	if pkt.Binary {
		op, raw = ws.OpBinary, pkt.Data
	} else if raw == nil {
		s.inScratch = engineio.AppendPacket(s.inScratch[:0], pkt)
		raw = s.inScratch
	}
	if s.clx.cs != nil {
		s.clx.in = append(s.clx.in[:0], raw)
		err := s.clx.cs.FromClient(Unit{Op: op, Parts: s.clx.in})
		clear(s.clx.in)
		return err
	}
	return s.up.WriteMessage(op, raw)
}
