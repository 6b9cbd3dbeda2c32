package proxy

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gobwas/ws"
)

// isUpgrade reports whether r asks for a WebSocket.
func isUpgrade(r *http.Request) bool {
	return headerHasToken(r.Header, "Connection", "upgrade") &&
		headerHasToken(r.Header, "Upgrade", "websocket")
}

func headerHasToken(h http.Header, key, token string) bool {
	for _, v := range h.Values(key) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// validHandshake checks what gobwas would refuse, before a backend is dialed
// for nothing.
func validHandshake(r *http.Request) bool {
	return r.Method == http.MethodGet && r.ProtoAtLeast(1, 1) &&
		r.Header.Get("Sec-WebSocket-Key") != "" &&
		r.Header.Get("Sec-WebSocket-Version") == "13"
}

// serveUpgrade dials the backend first, then answers the client's upgrade
// with the subprotocol the backend chose, and hands both legs to a session.
func (s *Server) serveUpgrade(w http.ResponseWriter, r *http.Request) {
	if !validHandshake(r) {
		http.Error(w, "bad WebSocket handshake", http.StatusBadRequest)
		return
	}
	if !s.admit(w) {
		return
	}
	if !s.reserve() {
		s.stats.maxConns.Add(1)
		http.Error(w, "too many connections", http.StatusServiceUnavailable)
		return
	}
	if !s.upgrade(w, r) {
		s.release()
	}
}

// upgrade reports whether a session now owns the reserved slot.
func (s *Server) upgrade(w http.ResponseWriter, r *http.Request) bool {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.DialTimeout)
	up, err := s.dialUpstream(ctx, r)
	cancel()
	if err != nil {
		s.stats.backendDial.Add(1)
		s.fails.warn("backend upgrade failed", "path", r.URL.Path, "err", err)
		http.Error(w, "backend unavailable", statusFor(err))
		return false
	}
	u := ws.HTTPUpgrader{Timeout: s.cfg.HandshakeTimeout}
	if len(up.setCookie) > 0 {
		u.Header = http.Header{"Set-Cookie": up.setCookie}
	}
	if up.protocol != "" {
		u.Protocol = func(p string) bool { return p == up.protocol }
	}
	conn, rw, _, err := u.Upgrade(r, w)
	if err != nil {
		up.conn.Close()
		s.log.Debug("client upgrade failed", "err", err)
		return false
	}
	buffered, err := drainReader(rw.Reader)
	if err != nil {
		conn.Close()
		up.conn.Close()
		return false
	}
	// Deadlines from the HTTP server would fail raw reads later.
	_ = conn.SetDeadline(time.Time{})
	_ = up.conn.SetDeadline(time.Time{})
	return s.startSession(conn, buffered, up, s.handshakeOf(r))
}
