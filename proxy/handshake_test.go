package proxy

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

func TestSubprotocolNegotiation(t *testing.T) {
	b := newEchoBackend(t)
	_, base := newProxy(t, b.url(), nil)
	tests := []struct {
		name  string
		offer []string
		want  string
	}{
		{"backend picks from the offer", []string{"chat.v1", "chat.v2"}, "chat.v2"},
		{"backend picks none", []string{"other"}, ""},
		{"no offer", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := ws.Dialer{Protocols: tc.offer}
			conn, _, hs, err := d.Dial(context.Background(), wsURL(base, "/"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if hs.Protocol != tc.want {
				t.Fatalf("negotiated %q, want %q", hs.Protocol, tc.want)
			}
		})
	}
}

func TestForwardedHeaders(t *testing.T) {
	b := newEchoBackend(t)
	_, base := newProxy(t, b.url(), nil)
	d := ws.Dialer{Header: ws.HandshakeHeaderHTTP(http.Header{
		"Cookie":            {"sid=abc"},
		"Authorization":     {"Bearer tok"},
		"Origin":            {"http://app.example"},
		"User-Agent":        {"sidecast-test/1"},
		"X-Forwarded-For":   {"203.0.113.7"},
		"X-Sidecast-Mirror": {"1"},
		"X-Sidecast-Home":   {"forged"},
	})}
	conn, _, _, err := d.Dial(context.Background(), wsURL(base, "/room/7?user=ann&x=1"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := wsutil.WriteClientText(conn, []byte("headers")); err != nil {
		t.Fatal(err)
	}
	var got http.Header
	if err := json.Unmarshal(readMsg(t, conn).Payload, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Cookie":            "sid=abc",
		"Authorization":     "Bearer tok",
		"Origin":            "http://app.example",
		"User-Agent":        "sidecast-test/1",
		"X-Forwarded-For":   "203.0.113.7, 127.0.0.1",
		"X-Forwarded-Proto": "http",
		"X-Forwarded-Host":  strings.TrimPrefix(base, "http://"),
	}
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("backend saw %s = %q, want %q", k, got.Get(k), v)
		}
	}
	for k := range got {
		if strings.HasPrefix(strings.ToLower(k), "x-sidecast-") {
			t.Errorf("client-supplied %s reached the backend", k)
		}
	}
}

func TestUpgradePathAndQuery(t *testing.T) {
	b := newEchoBackend(t)
	var seen string
	b.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.URL.RequestURI()
		b.serve(w, r)
	})
	u := b.url()
	u.Path = "/base"
	_, base := newProxy(t, u, nil)
	conn := dial(t, base, "/ws/chat?user=bob&room=a%20b")
	wsutil.WriteClientText(conn, []byte("x"))
	readMsg(t, conn)
	if want := "/base/ws/chat?user=bob&room=a%20b"; seen != want {
		t.Fatalf("backend saw %q, want %q", seen, want)
	}
}

func TestBackendSetCookieReachesClient(t *testing.T) {
	b := newEchoBackend(t)
	_, base := newProxy(t, b.url(), nil)
	var cookies []string
	d := ws.Dialer{OnHeader: func(key, value []byte) error {
		if strings.EqualFold(string(key), "Set-Cookie") {
			cookies = append(cookies, string(value))
		}
		return nil
	}}
	conn, _, _, err := d.Dial(context.Background(), wsURL(base, "/"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if strings.Join(cookies, "|") != "backend=1; Path=/|other=2" {
		t.Fatalf("client got Set-Cookie %q", cookies)
	}
}
