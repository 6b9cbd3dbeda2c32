package proxy

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/gobwas/ws"

	"github.com/sidecast/sidecast/proxy/engineio"
	"github.com/sidecast/sidecast/proxy/wsframe"
)

// handshake opens a session: it dials the backend over Engine.IO websocket
// first, takes the intervals and maxPayload from the backend's open packet,
// and only then answers the client on the transport it asked for.
func (e *eioServer) handshake(w http.ResponseWriter, r *http.Request, transport string) {
	if transport == "polling" && r.Method != http.MethodGet {
		writeEIOError(w, engineio.CodeBadHandshakeMethod)
		return
	}
	if !e.srv.admit(w) {
		return
	}
	if !e.srv.reserve() {
		e.srv.stats.maxConns.Add(1)
		http.Error(w, "too many connections", http.StatusServiceUnavailable)
		return
	}
	// The peers dial their mirrors while this node dials its backend: a
	// mirror's dial is the longest step before the client's CONNECT can
	// pass the barrier.
	cl := e.openCluster(r)
	ctx, cancel := context.WithTimeout(r.Context(), e.srv.cfg.DialTimeout)
	up, hs, err := e.dialBackend(ctx, r)
	cancel()
	if err != nil {
		cl.abandon()
		e.srv.release()
		e.srv.stats.backendDial.Add(1)
		e.srv.fails.warn("engine.io backend handshake failed", "err", err)
		http.Error(w, "backend unavailable", statusFor(err))
		return
	}
	s, err := newEIOSession(e, up, hs)
	if err != nil {
		cl.abandon()
		e.srv.release()
		up.conn.Close()
		http.Error(w, "proxy error", http.StatusInternalServerError)
		return
	}
	e.srv.stats.sessionsTotal.Add(1)
	cl.attach(s)
	if transport == "polling" {
		s.startPolling(w, r, up.buffered)
		return
	}
	s.startWebSocket(w, r, up.buffered)
}

// dialBackend opens the upstream Engine.IO websocket with the client's query
// (transport forced to websocket) and identity headers, and reads the
// backend's open packet. up.buffered keeps what the backend sent after it.
func (e *eioServer) dialBackend(ctx context.Context, r *http.Request) (*upstreamConn, engineio.Handshake, error) {
	ur := r.Clone(ctx)
	q := ur.URL.Query()
	q.Set("transport", "websocket")
	q.Del("sid")
	ur.URL.RawQuery = q.Encode()
	ur.Header.Del("Sec-WebSocket-Protocol")
	up, err := e.srv.dialUpstream(ctx, ur)
	if err != nil {
		return nil, engineio.Handshake{}, err
	}
	deadline, _ := ctx.Deadline()
	open, rest, err := readFirstMessage(up.conn, up.buffered, deadline)
	if err == nil {
		var pkt engineio.Packet
		if pkt, err = engineio.ParsePacket(open, false); err == nil && pkt.Type != engineio.Open {
			err = errEIOBadOpen
		}
		if err == nil {
			var hs engineio.Handshake
			if hs, err = engineio.ParseHandshake(pkt.Data); err == nil {
				up.buffered = rest
				return up, hs, nil
			}
		}
	}
	up.conn.Close()
	return nil, engineio.Handshake{}, &dialError{err: fmt.Errorf("%w: %w", errEIOBadOpen, err)}
}

// readFirstMessage reads one whole unfragmented text frame from a backend
// connection, starting with bytes already buffered, and returns it with the
// bytes that followed it.
func readFirstMessage(conn net.Conn, buf []byte, deadline time.Time) (msg, rest []byte, err error) {
	_ = conn.SetReadDeadline(deadline)
	defer conn.SetReadDeadline(time.Time{})
	chunk := make([]byte, 4096)
	for {
		h, n, err := wsframe.ParseHeader(buf)
		if err != nil {
			return nil, nil, err
		}
		if n > 0 && int64(len(buf)-n) >= h.Length {
			if h.OpCode != ws.OpText || !h.Fin || h.Masked {
				return nil, nil, errEIOBadOpen
			}
			end := n + int(h.Length)
			return buf[n:end], buf[end:], nil
		}
		if len(buf) > 64<<10 {
			return nil, nil, errEIOBadOpen
		}
		k, err := conn.Read(chunk)
		if k > 0 {
			buf = append(buf, chunk[:k]...)
		}
		if err != nil {
			return nil, nil, err
		}
	}
}
