package proxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/gobwas/ws"
)

// identityHeaders are the client's request headers a backend uses to know who
// connects; they are forwarded on the upstream upgrade.
var identityHeaders = []string{"Cookie", "Authorization", "Origin", "User-Agent"}

// upstreamConn is a backend WebSocket connection right after its upgrade.
type upstreamConn struct {
	conn      net.Conn
	buffered  []byte   // frames the backend sent right behind its 101 response
	protocol  string   // subprotocol the backend chose, "" if none
	setCookie []string // Set-Cookie values of the backend's 101, passed to the client
}

// dialError is a failed backend upgrade; status is the backend's HTTP answer
// when it gave one.
type dialError struct {
	status int
	err    error
}

func (e *dialError) Error() string { return fmt.Sprintf("proxy: dial backend: %v", e.err) }
func (e *dialError) Unwrap() error { return e.err }

// dialUpstream opens the backend leg for client request r.
func (s *Server) dialUpstream(ctx context.Context, r *http.Request) (*upstreamConn, error) {
	de := &dialError{}
	var cookies []string
	h := upstreamHeader(r)
	d := ws.Dialer{
		Timeout:   s.cfg.DialTimeout,
		Protocols: offeredProtocols(r.Header),
		Host:      s.dialHost(h),
		Header:    ws.HandshakeHeaderHTTP(h),
		OnStatusError: func(status int, _ []byte, _ io.Reader) {
			de.status = status
		},
		OnHeader: func(key, value []byte) error {
			if bytes.EqualFold(key, []byte("Set-Cookie")) {
				cookies = append(cookies, string(value))
			}
			return nil
		},
	}
	conn, br, hs, err := d.Dial(ctx, s.upstreamURL(r).String())
	if err != nil {
		de.err = err
		return nil, de
	}
	up := &upstreamConn{conn: conn, protocol: hs.Protocol, setCookie: cookies}
	if br != nil {
		up.buffered, err = drainReader(br)
		ws.PutReader(br)
		if err != nil {
			conn.Close()
			return nil, &dialError{err: err}
		}
	}
	return up, nil
}

// dialHost takes Host out of h (the dialer writes its own Host line) and
// returns the Host the backend is sent: the client's, or "" for BACKEND_URL's
// host when so configured or when h names none (a handshake from a peer that
// did not send it).
func (s *Server) dialHost(h http.Header) string {
	host := h.Get("Host")
	h.Del("Host")
	if s.cfg.BackendHostHeader == HostFromBackend {
		return ""
	}
	return host
}

// upstreamURL is the backend URL with the client's path and query.
func (s *Server) upstreamURL(r *http.Request) *url.URL {
	u := *s.cfg.Backend
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	}
	u.Path = joinPath(u.Path, r.URL.Path)
	u.RawPath = ""
	u.RawQuery = r.URL.RawQuery
	return &u
}

func joinPath(base, p string) string {
	switch {
	case base == "" || base == "/":
		if p == "" {
			return "/"
		}
		return p
	case strings.HasSuffix(base, "/") && strings.HasPrefix(p, "/"):
		return base + p[1:]
	case !strings.HasSuffix(base, "/") && !strings.HasPrefix(p, "/") && p != "":
		return base + "/" + p
	}
	return base + p
}

// upstreamHeader builds the backend upgrade's extra headers from the client's
// (sanitized) request. Only identity headers and X-Forwarded-* are sent, so a
// client's X-Sidecast-* headers never reach the backend. Host is the client's;
// the dialer takes it out again (dialHost), so a mirror's handshake carries
// the home client's Host too.
func upstreamHeader(r *http.Request) http.Header {
	h := make(http.Header, len(identityHeaders)+4)
	if r.Host != "" {
		h["Host"] = []string{r.Host}
	}
	for _, k := range identityHeaders {
		if v := r.Header.Values(k); len(v) > 0 {
			h[k] = v
		}
	}
	h.Set("X-Forwarded-For", forwardedFor(r))
	h.Set("X-Forwarded-Proto", forwardedProto(r))
	h.Set("X-Forwarded-Host", forwardedHost(r))
	return h
}

func offeredProtocols(h http.Header) []string {
	var out []string
	for _, v := range h.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// drainReader returns the bytes br holds, so nothing read ahead of the relay
// is lost.
func drainReader(br *bufio.Reader) ([]byte, error) {
	n := br.Buffered()
	if n == 0 {
		return nil, nil
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(br, b); err != nil {
		return nil, err
	}
	return b, nil
}

// statusFor maps a failed dial to the HTTP status the client gets: the
// backend's own 4xx refusal, otherwise 502.
func statusFor(err error) int {
	var de *dialError
	if errors.As(err, &de) && de.status >= 400 && de.status < 500 {
		return de.status
	}
	return http.StatusBadGateway
}
