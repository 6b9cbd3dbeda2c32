package proxy

import "github.com/gobwas/ws"

// drainReason is the close reason a drained client reads: it should
// reconnect, and the load balancer will send it to another node.
const drainReason = "server draining, reconnect"

// DrainOne tells one open client session to reconnect elsewhere: a
// WebSocket session is closed with 1001 (going away), an Engine.IO session
// gets its Engine.IO close (a close packet on long-polling, the websocket
// closed otherwise), which Socket.IO clients answer by reconnecting. The
// session's backend leg is closed too, so its mirrors on other nodes end
// as after any disconnect. It returns false when no open session is left.
// The caller paces the calls (DRAIN_RATE) and keeps new sessions out.
func (s *Server) DrainOne() bool { return s.Drain(1) == 1 }

// Drain is DrainOne for up to n sessions at once, in one pass over the
// sessions; it returns how many it closed.
func (s *Server) Drain(n int) int {
	list := s.openSessions(n)
	for _, sess := range list {
		sess.finish(ws.StatusGoingAway, drainReason, ws.StatusGoingAway, "client moved to another node")
	}
	done := len(list)
	if s.eio != nil && done < n {
		for _, es := range s.eio.openSessions(n - done) {
			es.close(drainReason)
			done++
		}
	}
	return done
}

// openSessions returns up to n WebSocket sessions that are not closing.
func (s *Server) openSessions(n int) []*session {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*session
	for sess := range s.sessions {
		if len(out) == n {
			break
		}
		if !sess.done.Load() {
			out = append(out, sess)
		}
	}
	return out
}

// openSessions returns up to n Engine.IO sessions that are not closing. A
// session's own lock is taken only after the server's is released, as
// everywhere else.
func (e *eioServer) openSessions(n int) []*eioSession {
	var out []*eioSession
	for _, s := range e.list() {
		if len(out) == n {
			break
		}
		if !s.isClosed() {
			out = append(out, s)
		}
	}
	return out
}

func (e *eioServer) list() []*eioSession {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]*eioSession, 0, len(e.sessions))
	for _, s := range e.sessions {
		out = append(out, s)
	}
	return out
}

// Transports counts the open client sessions by the transport the client
// uses now.
type Transports struct {
	WebSocket int // RFC 6455 sessions and Engine.IO sessions on websocket
	Polling   int // Engine.IO sessions on HTTP long-polling (maybe probing an upgrade)
	// PollsWaiting counts the Polling sessions whose client's GET is held
	// here, waiting for something to send.
	PollsWaiting int
}

// Transports returns the open client sessions by transport, for metrics.
// It walks every session: call it at scrape time, not per message.
func (s *Server) Transports() Transports {
	var t Transports
	s.mu.Lock()
	for sess := range s.sessions {
		if !sess.done.Load() {
			t.WebSocket++
		}
	}
	s.mu.Unlock()
	if s.eio == nil {
		return t
	}
	for _, es := range s.eio.list() {
		es.mu.Lock()
		switch es.state {
		case eioWebSocket:
			t.WebSocket++
		case eioPolling:
			t.Polling++
			if es.getBusy {
				t.PollsWaiting++
			}
		}
		es.mu.Unlock()
	}
	return t
}
