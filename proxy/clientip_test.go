package proxy

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

func TestSanitizeAndForwardedHeaders(t *testing.T) {
	forged := map[string]string{
		"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "chat.example",
		"X-Sidecast-Mirror": "1",
	}
	tests := []struct {
		name    string
		remote  string
		tls     bool
		hdr     map[string]string
		trusted []netip.Prefix
		want    [3]string // For, Proto, Host
	}{
		{"direct client", "203.0.113.9:5000", false, nil, DefaultTrustedProxies,
			[3]string{"203.0.113.9", "http", "app.example"}},
		{"untrusted client forging headers", "203.0.113.9:5000", false, forged, DefaultTrustedProxies,
			[3]string{"203.0.113.9", "http", "app.example"}},
		{"trusted load balancer", "10.0.0.5:4000", false, forged, DefaultTrustedProxies,
			[3]string{"198.51.100.7, 10.0.0.5", "https", "chat.example"}},
		{"trusted peer without headers, TLS", "127.0.0.1:4000", true, nil, DefaultTrustedProxies,
			[3]string{"127.0.0.1", "https", "app.example"}},
		{"IPv6 loopback", "[::1]:4000", false, map[string]string{"X-Forwarded-For": "2001:db8::1"}, DefaultTrustedProxies,
			[3]string{"2001:db8::1, ::1", "http", "app.example"}},
		{"nobody trusted", "10.0.0.5:4000", false, forged, []netip.Prefix{},
			[3]string{"10.0.0.5", "http", "app.example"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "http://app.example/", nil)
			r.RemoteAddr = tc.remote
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			for k, v := range tc.hdr {
				r.Header.Set(k, v)
			}
			h := upstreamHeader(sanitize(r, tc.trusted))
			got := [3]string{h.Get("X-Forwarded-For"), h.Get("X-Forwarded-Proto"), h.Get("X-Forwarded-Host")}
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if r.Header.Get("X-Sidecast-Mirror") != tc.hdr["X-Sidecast-Mirror"] {
				t.Fatal("sanitize modified the caller's request instead of a clone")
			}
		})
	}
}

// TestUntrustedForwardedForReplaced: through the real proxy, with no trusted
// peers, a client's own X-Forwarded-For never reaches the backend, neither on
// the upgrade nor on plain HTTP.
func TestUntrustedForwardedForReplaced(t *testing.T) {
	b := newEchoBackend(t)
	_, base := newProxy(t, b.url(), func(c *Config) { c.TrustedProxies = []netip.Prefix{} })
	d := ws.Dialer{Header: ws.HandshakeHeaderHTTP(http.Header{"X-Forwarded-For": {"1.2.3.4"}})}
	conn, _, _, err := d.Dial(context.Background(), wsURL(base, "/"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	wsutil.WriteClientText(conn, []byte("headers"))
	var got http.Header
	if err := json.Unmarshal(readMsg(t, conn).Payload, &got); err != nil {
		t.Fatal(err)
	}
	if xff := got.Get("X-Forwarded-For"); xff != "127.0.0.1" {
		t.Fatalf("upgrade: backend saw X-Forwarded-For %q, want only the peer", xff)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/x", nil)
	req.Header.Set("X-Forwarded-For", "1.2.3.4")
	if xff := roundTrip(t, req).Headers.Get("X-Forwarded-For"); xff != "127.0.0.1" {
		t.Fatalf("HTTP: backend saw X-Forwarded-For %q, want only the peer", xff)
	}
}
