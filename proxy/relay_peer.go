package proxy

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/gobwas/ws"
)

// RelayWebSocket relays a client's websocket upgrade to another sidecast
// (package sticky forwards an upgrade for a session that peer owns): it
// dials target with header, answers the client's upgrade with the peer's
// subprotocol, and relays frames between the two as a plain websocket
// session — both sockets parked in the poller, no goroutine of its own,
// closed with 1001 by Close and Drain like any session. It is never
// reported to the Cluster: the session lives at its owner.
//
// An error means nothing was written to w: the caller answers (the peer is
// gone or refused, ErrTooManyConnections past MaxConnections, ErrClosed).
func (s *Server) RelayWebSocket(w http.ResponseWriter, r *http.Request, target *url.URL, header http.Header) error {
	if s.isClosed() {
		return ErrClosed
	}
	if !s.reserve() {
		s.stats.maxConns.Add(1)
		return ErrTooManyConnections
	}
	started, err := s.relayWebSocket(w, r, target, header)
	if !started {
		s.release()
	}
	return err
}

// relayWebSocket reports whether a relay now owns the reserved slot; an
// error means the client got no answer yet.
func (s *Server) relayWebSocket(w http.ResponseWriter, r *http.Request, target *url.URL, header http.Header) (bool, error) {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.DialTimeout)
	defer cancel()
	status := 0
	d := ws.Dialer{
		Timeout:       s.cfg.DialTimeout,
		Protocols:     offeredProtocols(r.Header),
		Header:        ws.HandshakeHeaderHTTP(header),
		OnStatusError: func(st int, _ []byte, _ io.Reader) { status = st },
	}
	conn, br, hs, err := d.Dial(ctx, target.String())
	if err != nil {
		return false, fmt.Errorf("proxy: relay to %s (status %d): %w", target.Host, status, err)
	}
	up := &upstreamConn{conn: conn, protocol: hs.Protocol}
	if br != nil {
		up.buffered, err = drainReader(br)
		ws.PutReader(br)
		if err != nil {
			conn.Close()
			return false, fmt.Errorf("proxy: relay to %s: %w", target.Host, err)
		}
	}
	u := ws.HTTPUpgrader{Timeout: s.cfg.HandshakeTimeout}
	if up.protocol != "" {
		u.Protocol = func(p string) bool { return p == up.protocol }
	}
	client, rw, _, err := u.Upgrade(r, w)
	if err != nil {
		up.conn.Close() // the upgrader answered the client itself
		s.log.Debug("client upgrade for a relay failed", "err", err)
		return false, nil
	}
	buffered, err := drainReader(rw.Reader)
	if err != nil {
		client.Close()
		up.conn.Close()
		return false, nil
	}
	_ = client.SetDeadline(time.Time{})
	_ = up.conn.SetDeadline(time.Time{})
	return s.startRelay(client, buffered, up), nil
}

// startRelay hands both connections to a websocket session that the
// cluster never sees; false means they were closed instead.
func (s *Server) startRelay(clientConn net.Conn, clientBuf []byte, up *upstreamConn) bool {
	sess, err := newSession(s, clientConn, up.conn)
	if err == nil && !s.track(sess) {
		err = ErrClosed
	}
	if err != nil {
		s.log.Warn("relay not started", "err", err)
		clientConn.Close()
		up.conn.Close()
		return false
	}
	sess.start(clientBuf, up.buffered)
	return true
}
