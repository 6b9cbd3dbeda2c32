package proxy

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// Wire behaviour where the reference engine.io server decides what a client
// sees; internal/conformance plays the same exchanges against that server.

const unknownSID = `{"code":1,"message":"Session ID unknown"}`

// waitEIOClosed polls until sidecast has closed the session sid.
func waitEIOClosed(t *testing.T, p *Server, sid string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if s := p.eio.lookup(sid); s == nil || s.isClosed() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("session %s still open after 10s", sid)
}

// TestEIOPollAfterPingTimeout: a session whose client missed a pong is gone
// at once, as on the reference server: the next GET gets 400, not a close
// packet.
func TestEIOPollAfterPingTimeout(t *testing.T) {
	p, base, _ := newSocketIOProxy(t, "PING_INTERVAL=300", "PING_TIMEOUT=200")
	hs := pollOpen(t, base)
	if status, body := pollGet(t, base, hs.SID); status != 200 || body != "2" {
		t.Fatalf("first GET: %d %q, want the ping", status, body)
	}
	waitEIOClosed(t, p, hs.SID) // no pong: the ping times out
	if status, body := pollGet(t, base, hs.SID); status != 400 || body != unknownSID {
		t.Fatalf("GET after the ping timeout: %d %q, want 400 %s", status, body, unknownSID)
	}
}

// TestEIOPollAfterInvalidPost: a POST with an invalid packet closes the
// session at once; the next GET gets 400.
func TestEIOPollAfterInvalidPost(t *testing.T) {
	_, base, _ := newSocketIOProxy(t)
	hs := pollOpen(t, base)
	pollPost(t, base, hs.SID, "9x")
	if status, body := pollGet(t, base, hs.SID); status != 400 || body != unknownSID {
		t.Fatalf("GET after an invalid packet: %d %q, want 400 %s", status, body, unknownSID)
	}
}

// TestEIOForcedCloseOverPolling: the client's close packet releases its
// pending GET with a noop, as the reference's polling transport does.
func TestEIOForcedCloseOverPolling(t *testing.T) {
	p, base, _ := newSocketIOProxy(t)
	hs := pollOpen(t, base)
	got := make(chan string, 1)
	go func() {
		body, err := pollGetNoT(base, hs.SID)
		if err != nil {
			body = err.Error()
		}
		got <- body
	}()
	waitPending(t, p, hs.SID)
	if status, body := pollPost(t, base, hs.SID, "1"); status != 200 || body != "ok" {
		t.Fatalf("POST close: %d %q, want 200 ok", status, body)
	}
	if body := <-got; body != "200 6" {
		t.Fatalf("pending GET after the client's close: %q, want 200 6", body)
	}
	if status, body := pollGet(t, base, hs.SID); status != 400 || body != unknownSID {
		t.Fatalf("GET after the close: %d %q, want 400", status, body)
	}
}

// waitPending polls until the session sid holds a pending GET.
func waitPending(t *testing.T, p *Server, sid string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if s := p.eio.lookup(sid); s != nil {
			s.mu.Lock()
			busy := s.getBusy
			s.mu.Unlock()
			if busy {
				return
			}
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("no pending GET on %s after 10s", sid)
}

// TestEIOSecondWebSocketAfterUpgrade: a websocket for a session that has
// upgraded already completes its handshake and is then closed, as the
// reference does; clients see a close, not an HTTP error.
func TestEIOSecondWebSocketAfterUpgrade(t *testing.T) {
	_, base, _ := newSocketIOProxy(t)
	hs := pollOpen(t, base)
	conn := wsOpen(t, base, hs.SID)
	wsSend(t, conn, "2probe")
	if msg, _, err := wsRead(t, conn); err != nil || msg != "3probe" {
		t.Fatalf("probe answer %q %v", msg, err)
	}
	wsSend(t, conn, "5")
	second := wsOpen(t, base, hs.SID) // fails the test unless the 101 comes
	_, _, err := wsRead(t, second)
	var closed wsutil.ClosedError
	if !errors.As(err, &closed) {
		t.Fatalf("second websocket: read %v, want a close frame", err)
	}
	if closed.Code != ws.StatusNoStatusRcvd {
		t.Fatalf("second websocket closed with %d, want a close frame without a code", closed.Code)
	}
	wsSend(t, conn, `40{"userId":"u1"}`)
	wsUntil(t, conn, "40{")
}

// TestEIOProbeWithoutPendingGet: a probe that finds no GET waiting queues
// no noop (the reference only answers a waiting GET with one), so the next
// GET carries what the backend sent and nothing else, and a GET after the
// upgrade gets 400.
func TestEIOProbeWithoutPendingGet(t *testing.T) {
	p, base, _ := newSocketIOProxy(t)
	sid := pollConnect(t, base, "u1")
	conn := wsOpen(t, base, sid)
	wsSend(t, conn, "2probe")
	if msg, _, err := wsRead(t, conn); err != nil || msg != "3probe" {
		t.Fatalf("probe answer %q %v", msg, err)
	}
	pollPost(t, base, sid, `4299["online_users"]`)
	waitQueued(t, p, sid, "4399[")
	if status, body := pollGet(t, base, sid); status != 200 || !strings.HasPrefix(body, "4399[") || strings.Contains(body, "\x1e") {
		t.Fatalf("GET after the probe: %d %q, want the ack alone", status, body)
	}
	wsSend(t, conn, "5")
	wsAlive(t, conn) // the upgrade is done
	status, body, _ := eioDo(t, http.MethodGet, eioURL(base, "transport=polling&sid="+sid), "", nil)
	if status != 400 || body != `{"code":3,"message":"Bad request"}` {
		t.Fatalf("GET after the upgrade: %d %q, want 400 Bad request", status, body)
	}
}

// waitQueued polls until the polling payload of session sid holds want.
func waitQueued(t *testing.T, p *Server, sid, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if s := p.eio.lookup(sid); s != nil {
			s.mu.Lock()
			ok := s.poll != nil && strings.Contains(string(s.poll.B), want)
			s.mu.Unlock()
			if ok {
				return
			}
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("%q never queued for %s", want, sid)
}
