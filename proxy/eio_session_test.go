package proxy

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/sidecast/sidecast/internal/testkit"
)

// TestEIOHeartbeat: sidecast pings clients at the backend's interval and
// answers the backend's pings itself, so a session whose client answers
// outlives many backend intervals; a client that stops answering is closed
// after pingInterval+pingTimeout, and its backend session with it.
func TestEIOHeartbeat(t *testing.T) {
	_, base, backend := newSocketIOProxy(t, "PING_INTERVAL=200", "PING_TIMEOUT=300")
	t.Run("websocket client that answers", func(t *testing.T) {
		conn := wsConnect(t, base, "hb-ws")
		pings := 0
		for end := time.Now().Add(2 * time.Second); time.Now().Before(end); {
			msg, _, err := wsRead(t, conn)
			if err != nil {
				t.Fatalf("after %d pings: %v", pings, err)
			}
			if msg == "2" {
				pings++
				wsSend(t, conn, "3")
			}
		}
		if pings < 4 {
			t.Fatalf("%d pings in 2s with pingInterval 200ms", pings)
		}
		wsAlive(t, conn) // the backend session survived ~10 of its own intervals
	})
	t.Run("polling client that answers", func(t *testing.T) {
		sid := pollConnect(t, base, "hb-poll")
		for end := time.Now().Add(2 * time.Second); time.Now().Before(end); {
			pollUntil(t, base, sid, "2")
		}
		pollPost(t, base, sid, `4277["online_users"]`)
		pollUntil(t, base, sid, "4377[")
	})
	t.Run("attachments that never come", func(t *testing.T) {
		conn := wsConnect(t, base, "hb-stall")
		wsSend(t, conn, `451-["send_photo",{"twinPairId":"x"},{"_placeholder":true,"num":0}]`)
		start := time.Now()
		for {
			msg, op, err := wsRead(t, conn)
			if err != nil || op == ws.OpClose {
				break
			}
			if msg == "2" {
				wsSend(t, conn, "3") // the client stays alive, the unit stays incomplete
			}
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Fatalf("closed after %v, want about pingInterval+pingTimeout", took)
		}
	})
	t.Run("websocket client that stops answering", func(t *testing.T) {
		conn := wsConnect(t, base, "hb-mute")
		start := time.Now()
		for {
			_, op, err := wsRead(t, conn)
			if err != nil || op == ws.OpClose {
				break
			}
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Fatalf("closed after %v, want about pingInterval+pingTimeout (500ms)", took)
		}
		if r := backendDisconnect(t, backend.URL, "hb-mute"); r != "transport close" {
			t.Fatalf("backend saw %q, want transport close", r)
		}
	})
}

// TestEIOBadInputClosesOnlyThatSession sends each malformed input on one
// session while another session keeps working; an oversized POST is
// refused without ending its session, as engine.io does.
func TestEIOBadInputClosesOnlyThatSession(t *testing.T) {
	_, base, _ := newSocketIOProxy(t, "MAX_PAYLOAD=2000")
	other := wsConnect(t, base, "bystander")
	polling := []struct{ name, payload string }{
		{"engine.io type", "9x"},
		{"base64", "b!!!!"},
		{"socket.io type", "49[]"},
		{"event payload", `42{"not":"an array"}`},
		{"attachments that never complete", `451-["send_photo",{"_placeholder":true,"num":0}]` + "\x1e" + `42["online_users"]`},
		{"empty payload", ""},
	}
	for _, tt := range polling {
		t.Run("polling "+tt.name, func(t *testing.T) {
			sid := pollConnect(t, base, "bad")
			// As engine.io: a body read in full is answered "ok"; the bad
			// packet in it ends the session at once.
			if status, body := pollPost(t, base, sid, tt.payload); status != 200 || body != "ok" {
				t.Fatalf("bad POST answered %d %q, want 200 ok", status, body)
			}
			if status, body := pollGet(t, base, sid); status != 400 {
				t.Fatalf("GET after the bad POST answered %d %q, want 400", status, body)
			}
			wsAlive(t, other)
		})
	}
	t.Run("polling body over maxPayload", func(t *testing.T) {
		sid := pollConnect(t, base, "big")
		big := `42["send_message",{"text":"` + strings.Repeat("x", 3000) + `"}]`
		if status, _ := pollPost(t, base, sid, big); status != 413 {
			t.Fatalf("oversized POST answered %d, want 413", status)
		}
		// As engine.io, the session lives on: the body was never read.
		pollPost(t, base, sid, `4277["online_users"]`)
		pollUntil(t, base, sid, "4377[")
		wsAlive(t, other)
	})
	t.Run("websocket message over maxPayload", func(t *testing.T) {
		conn := wsConnect(t, base, "big-ws")
		wsSend(t, conn, `42["send_message",{"text":"`+strings.Repeat("x", 3000)+`"}]`)
		// 1009 comes from sidecast; the backend's own refusal would close with 1000.
		for {
			msg, op, err := wsRead(t, conn)
			if err != nil {
				var ce wsutil.ClosedError
				if !errors.As(err, &ce) || ce.Code != ws.StatusMessageTooBig {
					t.Fatalf("closed with %v, want 1009", err)
				}
				break
			}
			if op == ws.OpText && msg == "2" {
				wsSend(t, conn, "3")
			}
		}
		wsAlive(t, other)
	})
	websocket := []struct{ name, msg string }{
		{"engine.io type", "9x"},
		{"socket.io type", "49[]"},
		{"event payload", `42{"x":1}`},
		{"text inside a binary unit", `451-["send_photo",{"_placeholder":true,"num":0}]`},
	}
	for _, tt := range websocket {
		t.Run("websocket "+tt.name, func(t *testing.T) {
			conn := wsConnect(t, base, "bad-ws")
			wsSend(t, conn, tt.msg)
			if strings.HasPrefix(tt.msg, "451-") {
				wsSend(t, conn, `42["online_users"]`)
			}
			expectWSClosed(t, conn)
			wsAlive(t, other)
		})
	}
}

// expectPollClosed: the session answers with a close packet, then forgets the sid.
func expectPollClosed(t *testing.T, base, sid string) {
	t.Helper()
	for range 20 {
		status, body := pollGet(t, base, sid)
		if status == 400 || body == "1" {
			return
		}
	}
	t.Fatal("session still open after bad input")
}

func expectWSClosed(t *testing.T, conn interface {
	Read([]byte) (int, error)
	SetReadDeadline(time.Time) error
}) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 4096)
	for {
		if _, err := conn.Read(buf); err != nil {
			if strings.Contains(err.Error(), "timeout") {
				t.Fatal("websocket session still open after bad input")
			}
			return
		}
	}
}

// backendDisconnect polls the example server's /stats until it reports a
// disconnect of user, and returns the reason.
func backendDisconnect(t *testing.T, backendURL, user string) string {
	t.Helper()
	var reason string
	testkit.WaitUntil(t, 10*time.Second, "backend disconnect of "+user, func() bool {
		resp, err := eioClient.Get(backendURL + "/stats")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var st struct {
			Disconnects []struct{ UserID, Reason string }
		}
		if json.NewDecoder(resp.Body).Decode(&st) != nil {
			return false
		}
		for _, d := range st.Disconnects {
			if d.UserID == user {
				reason = d.Reason
				return true
			}
		}
		return false
	})
	return reason
}
