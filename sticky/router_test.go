package sticky

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/fanout"
)

// TestRouting: a request reaches its sid's owner, through one forward at
// most, whichever node it arrives at.
func TestRouting(t *testing.T) {
	for _, secret := range []string{"", "cluster-secret"} {
		t.Run("secret="+secret, func(t *testing.T) {
			c := newTestCluster(t, []string{"a", "b"}, func(cfg *Config) { cfg.Secret = []byte(secret) })
			a, b := c.node("a"), c.node("b")
			sidB := b.newSID()

			code, body := do(t, newRequest(t, "POST", pollURL(a, sidB), "4hello"))
			if code != http.StatusOK || body != "b:POST:4hello" {
				t.Fatalf("POST for b's sid at a: %d %q, want b's answer", code, body)
			}
			seen := b.last(t)
			for k := range seen.Header {
				if strings.HasPrefix(strings.ToLower(k), "x-sidecast-") {
					t.Errorf("%s reached b's proxy", k)
				}
			}
			if host, _, _ := net.SplitHostPort(seen.RemoteAddr); host != "127.0.0.1" {
				t.Errorf("b saw remote %q, want the client's address", seen.RemoteAddr)
			}
			if a.count() != 0 {
				t.Errorf("a served %d requests itself", a.count())
			}
			if st := a.router.Stats(); st.Forwarded != 1 {
				t.Errorf("a's stats %+v, want one forward", st)
			}

			code, body = do(t, newRequest(t, "GET", pollURL(b, sidB), ""))
			if code != http.StatusOK || body != "b:GET:" {
				t.Fatalf("GET for b's sid at b: %d %q", code, body)
			}
			if st := b.router.Stats(); st.Forwarded != 0 {
				t.Errorf("b forwarded its own sid: %+v", st)
			}
		})
	}
}

// TestUnknownAnswers: a sid whose owner is gone, a sid no node issued, and
// a forward for a sid the receiver does not own all get Engine.IO's
// "Session ID unknown", never another hop.
func TestUnknownAnswers(t *testing.T) {
	c := newTestCluster(t, []string{"a", "b"}, func(cfg *Config) { cfg.Secret = []byte("s") })
	a, b := c.node("a"), c.node("b")
	gone := NewCodec([]byte("s")).NewSID(NodeTag("gone"))

	t.Run("owner gone", func(t *testing.T) {
		code, body := do(t, newRequest(t, "GET", pollURL(a, gone), ""))
		if code != http.StatusBadRequest || body != unknownSIDBody {
			t.Fatalf("%d %q", code, body)
		}
		if st := a.router.Stats(); st.OwnerGone != 1 || st.Forwarded != 0 {
			t.Fatalf("stats %+v", st)
		}
	})
	t.Run("invented sid", func(t *testing.T) {
		code, body := do(t, newRequest(t, "GET", pollURL(a, "AAAAAAAAAAAAAAAAAAAA"), ""))
		if code != http.StatusBadRequest || body != unknownSIDBody || a.count() != 1 {
			t.Fatalf("%d %q; a served %d: the local proxy must answer", code, body, a.count())
		}
	})
	t.Run("forward for a sid the receiver does not own", func(t *testing.T) {
		// A peer (signing correctly) that thinks b owns a sid of "gone".
		req := newRequest(t, "GET", pollURL(b, gone), "")
		req.Header.Set(HopHeader, "1")
		req.Header.Set(FromHeader, "a")
		a.router.signer.sign(req)
		code, body := do(t, req)
		if code != http.StatusBadRequest || body != unknownSIDBody {
			t.Fatalf("%d %q", code, body)
		}
		if st := b.router.Stats(); st.HopUnknown != 1 || st.Forwarded != 0 {
			t.Fatalf("b's stats %+v: it must not forward again", st)
		}
	})
	t.Run("owner does not answer", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		dead := "http://" + ln.Addr().String()
		ln.Close()
		r := New(Config{NodeID: "x", EngineIOPath: "/socket.io/", Secret: []byte("s"),
			Peers: func() []fanout.Peer { return []fanout.Peer{{ID: "gone", Address: dead}} }})
		defer r.Close()
		rec := httptest.NewRecorder()
		r.Wrap(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "/socket.io/?EIO=4&transport=polling&sid="+gone, nil))
		if rec.Code != http.StatusBadRequest || rec.Body.String() != unknownSIDBody {
			t.Fatalf("%d %q", rec.Code, rec.Body.String())
		}
		if st := r.Stats(); st.OwnerGone != 1 {
			t.Fatalf("stats %+v", st)
		}
	})
}

// TestForgedForward: with a cluster secret, a request that claims to be a
// forward without a valid signature is refused and never reaches the
// proxy; without one, only a trusted address may claim it.
func TestForgedForward(t *testing.T) {
	forged := func(t *testing.T, n *testNode, sid string) *http.Request {
		req := newRequest(t, "GET", pollURL(n, sid), "")
		req.Header.Set(HopHeader, "1")
		req.Header.Set(FromHeader, "a")
		req.Header.Set(ClientHeader, "203.0.113.9:4000")
		req.Header.Set(TimeHeader, strconv.FormatInt(time.Now().UnixMilli(), 10))
		req.Header.Set(SignatureHeader, "forged")
		return req
	}
	t.Run("secret", func(t *testing.T) {
		c := newTestCluster(t, []string{"a", "b"}, func(cfg *Config) { cfg.Secret = []byte("s") })
		b := c.node("b")
		code, _ := do(t, forged(t, b, b.newSID()))
		if code != http.StatusForbidden || b.count() != 0 {
			t.Fatalf("forged forward: %d, %d requests reached the proxy; want 403 and none", code, b.count())
		}
		if st := b.router.Stats(); st.Refused != 1 {
			t.Fatalf("stats %+v", st)
		}
	})
	t.Run("no secret, untrusted sender", func(t *testing.T) {
		c := newTestCluster(t, []string{"a", "b"}, func(cfg *Config) { cfg.Trusted = mustPrefixes(t, "10.0.0.0/8") })
		b := c.node("b")
		sid := b.newSID()
		code, _ := do(t, forged(t, b, sid))
		seen := b.last(t)
		if code != http.StatusOK || strings.HasPrefix(seen.RemoteAddr, "203.0.113.9") || seen.Header.Get(HopHeader) != "" {
			t.Fatalf("%d, proxy saw %+v: the claim must be ignored, not believed", code, seen)
		}
	})
	t.Run("no secret, trusted sender, handshake", func(t *testing.T) {
		// A client behind a trusted balancer claims to be a forward on a
		// request peers never forward: its address claim is ignored.
		c := newTestCluster(t, []string{"a"}, nil)
		a := c.node("a")
		code, _ := do(t, forged(t, a, ""))
		seen := a.last(t)
		if code != http.StatusOK || strings.HasPrefix(seen.RemoteAddr, "203.0.113.9") || seen.Header.Get(HopHeader) != "" {
			t.Fatalf("%d, proxy saw %+v: a handshake is never a forward", code, seen)
		}
	})
	t.Run("no secret, trusted peer", func(t *testing.T) {
		c := newTestCluster(t, []string{"a", "b"}, nil)
		b := c.node("b")
		code, _ := do(t, forged(t, b, b.newSID()))
		if seen := b.last(t); code != http.StatusOK || seen.RemoteAddr != "203.0.113.9:4000" {
			t.Fatalf("%d, proxy saw remote %q; a trusted forward's client address is believed", code, seen.RemoteAddr)
		}
	})
}

// TestClientHeaders: what a client may not assert never reaches the proxy.
func TestClientHeaders(t *testing.T) {
	tests := []struct {
		name    string
		trusted []string
		wantXFF string
	}{
		{"trusted client keeps X-Forwarded-For", DefaultTrustedProxies, "198.51.100.1"},
		{"untrusted client loses it", []string{"10.0.0.0/8"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestCluster(t, []string{"a"}, func(cfg *Config) { cfg.Trusted = mustPrefixes(t, tt.trusted...) })
			a := c.node("a")
			for _, path := range []string{"/socket.io/?EIO=4&transport=polling", "/api/whoami"} {
				req := newRequest(t, "GET", a.srv.URL+path, "")
				req.Header.Set("X-Forwarded-For", "198.51.100.1")
				req.Header.Set("X-Sidecast-Mirror", "1")
				req.Header.Set("X-Sidecast-Home", "evil")
				req.Header.Set(ClientHeader, "203.0.113.9:1")
				do(t, req)
				seen := a.last(t)
				if got := seen.Header.Get("X-Forwarded-For"); got != tt.wantXFF {
					t.Errorf("%s: X-Forwarded-For %q, want %q", path, got, tt.wantXFF)
				}
				for k := range seen.Header {
					if strings.HasPrefix(strings.ToLower(k), "x-sidecast-") {
						t.Errorf("%s: %s reached the proxy", path, k)
					}
				}
				if strings.HasPrefix(seen.RemoteAddr, "203.0.113.9") {
					t.Errorf("%s: the client chose its own address", path)
				}
			}
		})
	}
}

func TestForwardingOff(t *testing.T) {
	c := newTestCluster(t, []string{"a", "b"}, func(cfg *Config) { cfg.DisableForwarding = true })
	a, b := c.node("a"), c.node("b")
	code, body := do(t, newRequest(t, "GET", pollURL(a, b.newSID()), ""))
	if code != http.StatusBadRequest || body != unknownSIDBody || a.count() != 1 || b.count() != 0 {
		t.Fatalf("%d %q, a served %d, b %d: a must answer unknown itself", code, body, a.count(), b.count())
	}
}

func TestAffinityCookie(t *testing.T) {
	cookie, err := ParseCookie("sidecast_node; Path=/; HttpOnly")
	if err != nil {
		t.Fatal(err)
	}
	c := newTestCluster(t, []string{"a"}, func(cfg *Config) { cfg.Cookie = cookie })
	a := c.node("a")
	tests := []struct {
		url  string
		want string
	}{
		{pollURL(a, ""), "sidecast_node=a; Path=/; HttpOnly"},
		{pollURL(a, a.newSID()), ""},
		{a.srv.URL + "/other", ""},
	}
	for _, tt := range tests {
		resp, err := http.Get(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Set-Cookie"); got != tt.want {
			t.Errorf("%s: Set-Cookie %q, want %q", tt.url, got, tt.want)
		}
	}
}

// TestForwardWebSocket: a websocket upgrade for a peer's session is relayed
// to the owner, both ways.
func TestForwardWebSocket(t *testing.T) {
	c := newTestCluster(t, []string{"a", "b"}, func(cfg *Config) { cfg.Secret = []byte("s") })
	a, b := c.node("a"), c.node("b")
	url := "ws" + strings.TrimPrefix(a.srv.URL, "http") + "/socket.io/?EIO=4&transport=websocket&sid=" + b.newSID()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, _, err := ws.Dial(ctx, url)
	if err != nil {
		t.Fatalf("dial through a: %v", err)
	}
	defer conn.Close()
	if err := wsutil.WriteClientText(conn, []byte("2probe")); err != nil {
		t.Fatal(err)
	}
	msg, err := wsutil.ReadServerText(conn)
	if err != nil || string(msg) != "b:2probe" {
		t.Fatalf("reply %q, %v; want b's echo", msg, err)
	}
}
