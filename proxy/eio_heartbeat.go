package proxy

import (
	"time"

	"github.com/sidecast/sidecast/proxy/engineio"
)

// The client's heartbeat belongs to sidecast: it pings the client every
// pingInterval of the backend's handshake and closes the session when no
// pong comes within pingTimeout, as the backend would. The backend's own
// pings are answered by the upstream relay (eioToClient) without reaching
// the client.

func (s *eioSession) startHeartbeat() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == eioClosed {
		return
	}
	s.pingT = time.AfterFunc(s.hs.Interval(), s.sendPing)
}

// sendPing runs on the ping timer. It also ends a session whose client
// announced binary attachments and never sent them all.
func (s *eioSession) sendPing() {
	if s.unitStalled() {
		s.e.srv.stats.clientProtocol.Add(1)
		s.fail("parse error")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == eioClosed {
		return
	}
	if err := s.deliverLocked(engineio.Packet{Type: engineio.Ping}); err != nil {
		s.mu.Unlock()
		s.fail("transport error")
		s.mu.Lock()
		return
	}
	s.flushClientLocked()
	if s.pongT == nil {
		s.pongT = time.AfterFunc(s.hs.Timeout(), s.pingTimeout)
	} else {
		s.pongT.Reset(s.hs.Timeout())
	}
}

// pingTimeout runs when the client did not answer a ping in time.
func (s *eioSession) pingTimeout() {
	s.fail("ping timeout")
}

// gotPong re-arms the next ping.
func (s *eioSession) gotPong() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == eioClosed {
		return
	}
	if s.pongT != nil {
		s.pongT.Stop()
	}
	s.pingT.Reset(s.hs.Interval())
}

func (s *eioSession) stopHeartbeatLocked() {
	if s.pingT != nil {
		s.pingT.Stop()
	}
	if s.pongT != nil {
		s.pongT.Stop()
	}
}

// unitStalled reports whether a client's binary packet has waited for its
// attachments longer than pingTimeout.
func (s *eioSession) unitStalled() bool {
	s.inMu.Lock()
	since, pending := s.inAsm.PendingSince()
	s.inMu.Unlock()
	return pending && time.Since(since) > s.hs.Timeout()
}
