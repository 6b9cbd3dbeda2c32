package proxy

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
)

// TestEIOBadRequests sends the same bad requests to the backend and to
// sidecast: sidecast must answer exactly as socket.io does.
func TestEIOBadRequests(t *testing.T) {
	_, base, backend := newSocketIOProxy(t)
	tests := []struct {
		name, method, query string
		status              int
		body                string
	}{
		{"unknown sid", "GET", "transport=polling&sid=nope", 400, `{"code":1,"message":"Session ID unknown"}`},
		{"unknown transport", "GET", "transport=flash", 400, `{"code":0,"message":"Transport unknown"}`},
		{"handshake by POST", "POST", "transport=polling", 400, `{"code":2,"message":"Bad handshake method"}`},
		{"websocket without upgrade", "GET", "transport=websocket", 400, `{"code":3,"message":"Bad request"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, target := range []string{backend.URL, base} {
				status, body, _ := eioDo(t, tt.method, eioURL(target, tt.query), "", nil)
				if status != tt.status || body != tt.body {
					t.Errorf("%s answered %d %s, want %d %s", target, status, body, tt.status, tt.body)
				}
			}
		})
	}
	t.Run("unsupported protocol version", func(t *testing.T) {
		for _, target := range []string{backend.URL, base} {
			status, body, _ := eioDo(t, "GET", target+"/socket.io/?EIO=3&transport=polling", "", nil)
			if status != 400 || body != `{"code":5,"message":"Unsupported protocol version"}` {
				t.Errorf("%s answered %d %s", target, status, body)
			}
		}
	})
}

// TestEIOHandshakeFromBackend checks that the client's open packet carries
// the backend's own timings and maxPayload, with sidecast's sid.
func TestEIOHandshakeFromBackend(t *testing.T) {
	_, base, backend := newSocketIOProxy(t, "PING_INTERVAL=1234", "PING_TIMEOUT=4321", "MAX_PAYLOAD=54321")
	direct := pollOpen(t, backend.URL)
	got := pollOpen(t, base)
	if got.PingInterval != 1234 || got.PingTimeout != 4321 || got.MaxPayload != 54321 {
		t.Fatalf("open packet %+v, want the backend's 1234/4321/54321", got)
	}
	if got.PingInterval != direct.PingInterval || got.PingTimeout != direct.PingTimeout || got.MaxPayload != direct.MaxPayload {
		t.Fatalf("sidecast %+v differs from backend %+v", got, direct)
	}
	if len(got.Upgrades) != 1 || got.Upgrades[0] != "websocket" {
		t.Fatalf("upgrades %v, want [websocket]", got.Upgrades)
	}
	conn := wsOpen(t, base, "")
	open := wsUntil(t, conn, "0{")
	if !strings.Contains(open, `"upgrades":[]`) || !strings.Contains(open, `"pingInterval":1234`) {
		t.Fatalf("websocket open packet %s", open)
	}
}

// TestEIOCORSFromBackend checks that polling responses carry the CORS
// headers the backend gives for the client's Origin.
func TestEIOCORSFromBackend(t *testing.T) {
	_, base, backend := newSocketIOProxy(t)
	hdr := http.Header{"Origin": {"http://app.example"}}
	for _, target := range []string{backend.URL, base} {
		status, body, h := eioDo(t, "GET", eioURL(target, "transport=polling"), "", hdr)
		if status != 200 || !strings.HasPrefix(body, "0{") {
			t.Fatalf("%s: handshake %d %q", target, status, body)
		}
		if h.Get("Access-Control-Allow-Origin") != "http://app.example" || h.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("%s: CORS headers %v", target, h)
		}
	}
	status, _, h := eioDo(t, "OPTIONS", eioURL(base, "transport=polling"), "", http.Header{
		"Origin": {"http://app.example"}, "Access-Control-Request-Method": {"POST"}})
	if status >= 300 || h.Get("Access-Control-Allow-Origin") != "http://app.example" {
		t.Fatalf("preflight through sidecast: %d %v", status, h)
	}
}

// TestEIOUpgrade walks the polling→websocket upgrade by hand: the probe,
// the noop that releases the pending GET, then "5" and traffic on the
// websocket; polling is refused afterwards.
func TestEIOUpgrade(t *testing.T) {
	p, base, _ := newSocketIOProxy(t)
	sid := pollConnect(t, base, "up")

	var wg sync.WaitGroup
	var pending string
	var pendingErr error
	wg.Add(1)
	go func() { // the pending GET the probe's noop must release
		defer wg.Done()
		pending, pendingErr = pollGetNoT(base, sid)
	}()
	testkit.WaitUntil(t, 5*time.Second, "pending GET", func() bool { return getBusy(t, p, sid) })

	conn := wsOpen(t, base, sid)
	wsSend(t, conn, "2probe")
	if msg, _, err := wsRead(t, conn); err != nil || msg != "3probe" {
		t.Fatalf("probe answer %q %v, want 3probe", msg, err)
	}
	wg.Wait()
	if pendingErr != nil || pending != "200 6" {
		t.Fatalf("pending GET got %q (%v), want the noop 6", pending, pendingErr)
	}
	wsSend(t, conn, "5")
	wsAlive(t, conn)
	if status, body := pollGet(t, base, sid); status != 400 || body != `{"code":3,"message":"Bad request"}` {
		t.Fatalf("GET after upgrade answered %d %q", status, body)
	}
}

// getBusy reports whether the session's GET is pending (white-box).
func getBusy(t *testing.T, p *Server, sid string) bool {
	t.Helper()
	s := p.eio.lookup(sid)
	if s == nil {
		t.Fatalf("no session %s", sid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.getBusy
}

// TestEIOOverlappingGet: a second pending GET closes the session. The
// wanted answers are socket.io 4.8's (engine.io 6.6): the second GET gets
// 400 with no body, the pending one the close packet, then the sid is unknown.
func TestEIOOverlappingGet(t *testing.T) {
	p, base, _ := newSocketIOProxy(t)
	hs := pollOpen(t, base)
	var wg sync.WaitGroup
	var first string
	var firstErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		first, firstErr = pollGetNoT(base, hs.SID)
	}()
	testkit.WaitUntil(t, 5*time.Second, "pending GET", func() bool { return getBusy(t, p, hs.SID) })
	s2, b2 := pollGet(t, base, hs.SID)
	wg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	s3, b3 := pollGet(t, base, hs.SID)
	got := [3]string{first, strconv.Itoa(s2) + " " + b2, strconv.Itoa(s3) + " " + b3}
	want := [3]string{"200 1", "400 ", `400 {"code":1,"message":"Session ID unknown"}`}
	if got != want {
		t.Fatalf("answers %q, want %q", got, want)
	}
}
