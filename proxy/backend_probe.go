package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
)

// ProbeBackend reports whether the backend accepts TCP connections now.
func (s *Server) ProbeBackend(ctx context.Context) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", backendAddr(s.cfg.Backend.Scheme, s.cfg.Backend.Host))
	if err != nil {
		return fmt.Errorf("proxy: probe backend: %w", err)
	}
	return c.Close()
}

// backendAddr is host with the scheme's default port when it has none.
func backendAddr(scheme, host string) string {
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	if scheme == "https" || scheme == "wss" {
		return net.JoinHostPort(host, "443")
	}
	return net.JoinHostPort(host, "80")
}

// BackendUnreachable reports whether err, from dialing the backend (a
// mirror's DialMirror), means no connection could be made at all, rather
// than a backend that answered and refused.
func BackendUnreachable(err error) bool {
	var de *dialError
	if !errors.As(err, &de) || de.status != 0 {
		return false
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
