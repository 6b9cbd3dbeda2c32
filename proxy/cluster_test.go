package proxy

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/sidecast/sidecast/internal/testkit"
)

// mirrorRecorder is a MirrorHandler that keeps what it is given.
type mirrorRecorder struct {
	mu     sync.Mutex
	units  []string
	closed int
	code   ws.StatusCode
}

func (m *mirrorRecorder) MirrorUnit(u Unit) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.units = append(m.units, string(u.Parts[0]))
}

func (m *mirrorRecorder) MirrorClosed(code ws.StatusCode) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed++
	m.code = code
}

func (m *mirrorRecorder) snapshot() ([]string, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.units...), m.closed
}

// TestDialMirror: a mirror carries the replayed handshake plus the mirror
// headers, offers the client's subprotocols, relays whole messages both
// ways and reports the backend's close once.
func TestDialMirror(t *testing.T) {
	backend := newEchoBackend(t)
	srv, _ := newProxy(t, backend.url(), nil)
	rec := &mirrorRecorder{}
	hs := Handshake{Path: "/room", RawQuery: "user=a", Header: http.Header{
		"Cookie": {"s=1"}, "X-Forwarded-For": {"10.0.0.7"}, "Sec-Websocket-Protocol": {"chat.v2, other"}}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := srv.DialMirror(ctx, hs, "node-a", rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Write(Unit{Op: ws.OpText, Parts: [][]byte{[]byte("headers")}}); err != nil {
		t.Fatal(err)
	}
	_ = m.Write(Unit{Op: ws.OpText, Parts: [][]byte{[]byte("hello")}})
	testkit.WaitUntil(t, 5*time.Second, "the backend's answers", func() bool { u, _ := rec.snapshot(); return len(u) == 2 })
	units, _ := rec.snapshot()
	var h http.Header
	if err := json.Unmarshal([]byte(units[0]), &h); err != nil {
		t.Fatalf("headers answer %q: %v", units[0], err)
	}
	for k, want := range map[string]string{MirrorHeader: "1", MirrorHomeHeader: "node-a", "Cookie": "s=1",
		"X-Forwarded-For": "10.0.0.7", "Sec-Websocket-Protocol": "chat.v2, other"} {
		if got := h.Get(k); got != want {
			t.Errorf("backend saw %s = %q, want %q", k, got, want)
		}
	}
	if units[1] != "hello" {
		t.Fatalf("echo %q", units[1])
	}
	_ = m.Write(Unit{Op: ws.OpText, Parts: [][]byte{[]byte("close:1000:kick")}})
	testkit.WaitUntil(t, 5*time.Second, "the close is reported", func() bool { _, c := rec.snapshot(); return c == 1 })
	m.Close() // after the backend's close: a no-op, no second report
	if _, c := rec.snapshot(); c != 1 || rec.code != ws.StatusNormalClosure {
		t.Fatalf("MirrorClosed called %d times, last with %d", c, rec.code)
	}
}

// passCluster passes every unit straight through and records handshakes.
type passCluster struct {
	mu     sync.Mutex
	hs     []Handshake
	closed int
}

type passSession struct {
	c    *passCluster
	home Home
}

func (c *passCluster) OpenSession(hs Handshake, home Home) ClusterSession {
	c.mu.Lock()
	c.hs = append(c.hs, hs)
	c.mu.Unlock()
	return &passSession{c: c, home: home}
}

func (s *passSession) FromClient(u Unit) error  { return s.home.WriteBackend(u) }
func (s *passSession) FromBackend(u Unit) error { return s.home.WriteClient(u) }
func (s *passSession) Closed(closeBackend func()) {
	s.c.mu.Lock()
	s.c.closed++
	s.c.mu.Unlock()
	closeBackend()
}

// TestClusterHooks: with a Cluster set, a WebSocket session reports its
// handshake (without the client's X-Sidecast-* headers), relays through
// the ClusterSession and reports its end once.
func TestClusterHooks(t *testing.T) {
	backend := newEchoBackend(t)
	c := &passCluster{}
	srv, base := newProxy(t, backend.url(), nil)
	srv.SetCluster(c)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d := ws.Dialer{Header: ws.HandshakeHeaderHTTP(http.Header{"Cookie": {"s=2"}, "X-Sidecast-Mirror": {"1"}})}
	conn, _, _, err := d.Dial(ctx, wsURL(base, "/chat?user=b"))
	if err != nil {
		t.Fatal(err)
	}
	if err := wsutil.WriteClientText(conn, []byte("ping through")); err != nil {
		t.Fatal(err)
	}
	if m := readMsg(t, conn); string(m.Payload) != "ping through" {
		t.Fatalf("echo %q", m.Payload)
	}
	conn.Close()
	testkit.WaitUntil(t, 5*time.Second, "the session ends", func() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.closed == 1 })
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.hs) != 1 {
		t.Fatalf("%d handshakes reported", len(c.hs))
	}
	hs := c.hs[0]
	if hs.Path != "/chat" || hs.RawQuery != "user=b" || hs.Header.Get("Cookie") != "s=2" || hs.Header.Get("X-Sidecast-Mirror") != "" {
		t.Fatalf("handshake %+v", hs)
	}
}
