package proxy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/sidecast/sidecast/internal/testkit"
)

// deadBackend is a loopback address where nothing listens.
func deadBackend(t *testing.T) *url.URL {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	return &url.URL{Scheme: "http", Host: addr}
}

// assertBadGateway: a WebSocket upgrade and a plain GET through the proxy
// at base both get 502.
func assertBadGateway(t *testing.T, base string) {
	t.Helper()
	_, _, _, err := ws.Dial(context.Background(), wsURL(base, "/"))
	var se ws.StatusError
	if !errors.As(err, &se) || int(se) != http.StatusBadGateway {
		t.Fatalf("dial error %v, want status 502", err)
	}
	resp, err := http.Get(base + "/plain")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("plain GET status %d, want 502", resp.StatusCode)
	}
}

func TestBackendDownGives502(t *testing.T) {
	p, base := newProxy(t, deadBackend(t), func(c *Config) { c.DialTimeout = 2 * time.Second })
	assertBadGateway(t, base)
	if p.Stats().Drops.BackendDial != 1 || p.Sessions() != 0 {
		t.Fatalf("stats %+v", p.Stats())
	}
}

func TestBackendKilledMidSession(t *testing.T) {
	b := newEchoBackend(t)
	p, base := newProxy(t, b.url(), nil)
	conn := dial(t, base, "/")
	assertEcho(t, conn, []byte("before"))
	b.shutdown() // drops every backend connection without a close frame
	reason := expectClose(t, conn, ws.StatusInternalServerError)
	t.Logf("close reason %q", reason)
	testkit.WaitUntil(t, 10*time.Second, "session to end", func() bool { return p.Sessions() == 0 })
	if p.Stats().Drops.BackendLost != 1 {
		t.Fatalf("BackendLost = %d, want 1", p.Stats().Drops.BackendLost)
	}
}

func TestMaxConnections(t *testing.T) {
	b := newEchoBackend(t)
	p, base := newProxy(t, b.url(), func(c *Config) { c.MaxConnections = 2 })
	first := dial(t, base, "/")
	dial(t, base, "/")
	_, _, _, err := ws.Dial(context.Background(), wsURL(base, "/"))
	var se ws.StatusError
	if !errors.As(err, &se) || int(se) != http.StatusServiceUnavailable {
		t.Fatalf("third dial error %v, want status 503", err)
	}
	first.Close()
	testkit.WaitUntil(t, 10*time.Second, "a slot to free up", func() bool { return p.Sessions() == 1 })
	dial(t, base, "/")
	if p.Stats().Drops.MaxConnections != 1 {
		t.Fatalf("MaxConnections drops = %d, want 1", p.Stats().Drops.MaxConnections)
	}
}

func TestCloseIsIdempotentAndClosesSessions(t *testing.T) {
	b := newEchoBackend(t)
	p, base := newProxy(t, b.url(), nil)
	conn := dial(t, base, "/")
	assertEcho(t, conn, []byte("x"))
	p.Close()
	expectClose(t, conn, ws.StatusGoingAway)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if p.Sessions() != 0 {
		t.Fatalf("%d sessions after Close", p.Sessions())
	}
}
