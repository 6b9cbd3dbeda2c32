package proxy

import (
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/internal/testkit"
	"github.com/sidecast/sidecast/proxy/engineio"
)

var eioClient = &http.Client{Timeout: 10 * time.Second}

func eioURL(base, query string) string {
	return base + "/socket.io/?EIO=4&" + query
}

// eioDo sends one HTTP request and returns the status, body and headers.
func eioDo(t testing.TB, method, url, body string, hdr http.Header) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	resp, err := eioClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// pollOpen does a polling handshake and returns the open packet's content.
func pollOpen(t testing.TB, base string) engineio.Handshake {
	t.Helper()
	status, body, _ := eioDo(t, http.MethodGet, eioURL(base, "transport=polling"), "", nil)
	if status != 200 || !strings.HasPrefix(body, "0") {
		t.Fatalf("handshake answered %d %q", status, body)
	}
	hs, err := engineio.ParseHandshake([]byte(body[1:]))
	if err != nil {
		t.Fatalf("open packet %q: %v", body, err)
	}
	return hs
}

// pollGetNoT is pollGet for a goroutine other than the test's.
func pollGetNoT(base, sid string) (string, error) {
	resp, err := eioClient.Get(eioURL(base, "transport=polling&sid="+sid))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return strconv.Itoa(resp.StatusCode) + " " + string(b), err
}

func pollGet(t testing.TB, base, sid string) (int, string) {
	t.Helper()
	status, body, _ := eioDo(t, http.MethodGet, eioURL(base, "transport=polling&sid="+sid), "", nil)
	return status, body
}

func pollPost(t testing.TB, base, sid, payload string) (int, string) {
	t.Helper()
	status, body, _ := eioDo(t, http.MethodPost, eioURL(base, "transport=polling&sid="+sid), payload, nil)
	return status, body
}

// pollConnect opens a polling session and connects the root namespace as
// user; it returns the sid.
func pollConnect(t testing.TB, base, user string) string {
	t.Helper()
	hs := pollOpen(t, base)
	if status, body := pollPost(t, base, hs.SID, `40{"userId":"`+user+`"}`); status != 200 || body != "ok" {
		t.Fatalf("CONNECT answered %d %q", status, body)
	}
	pollUntil(t, base, hs.SID, `42["welcome"`)
	return hs.SID
}

// pollUntil GETs until a payload contains want, answering pings, and
// returns everything received.
func pollUntil(t testing.TB, base, sid, want string) string {
	t.Helper()
	var all strings.Builder
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		status, body := pollGet(t, base, sid)
		if status != 200 {
			t.Fatalf("GET answered %d %q while waiting for %q (got %q)", status, body, want, all.String())
		}
		all.WriteString(body)
		all.WriteByte('|')
		if slices.Contains(strings.Split(body, "\x1e"), "2") {
			pollPost(t, base, sid, "3")
		}
		if strings.Contains(body, want) {
			return all.String()
		}
		if body == "1" {
			t.Fatalf("session closed while waiting for %q (got %q)", want, all.String())
		}
	}
	t.Fatalf("no %q within 10s (got %q)", want, all.String())
	return ""
}

// wsOpen opens an Engine.IO websocket (sid "" for a new session).
func wsOpen(t testing.TB, base, sid string) net.Conn {
	t.Helper()
	q := "transport=websocket"
	if sid != "" {
		q += "&sid=" + sid
	}
	u := "ws" + strings.TrimPrefix(eioURL(base, q), "http")
	conn, br, _, err := ws.Dial(context.Background(), u)
	if err != nil {
		t.Fatalf("dial %s: %v", u, err)
	}
	t.Cleanup(func() { conn.Close() })
	// The open packet may arrive right behind the 101 response.
	return testkit.DialedConn(conn, br)
}

// wsRead reads the next data message, or reports a close.
func wsRead(t testing.TB, conn net.Conn) (string, ws.OpCode, error) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer conn.SetReadDeadline(time.Time{})
	b, op, err := wsutil.ReadServerData(conn)
	return string(b), op, err
}

func wsSend(t testing.TB, conn net.Conn, msg string) {
	t.Helper()
	if err := wsutil.WriteClientText(conn, []byte(msg)); err != nil {
		t.Fatalf("write %q: %v", msg, err)
	}
}

// wsUntil reads until a text message starts with prefix, answering pings.
func wsUntil(t testing.TB, conn net.Conn, prefix string) string {
	t.Helper()
	for range 100 {
		msg, _, err := wsRead(t, conn)
		if err != nil {
			t.Fatalf("waiting for %q: %v", prefix, err)
		}
		if msg == "2" {
			wsSend(t, conn, "3")
		}
		if strings.HasPrefix(msg, prefix) {
			return msg
		}
	}
	t.Fatalf("no message starting with %q in 100 messages", prefix)
	return ""
}

// wsConnect opens a websocket session and connects the root namespace.
func wsConnect(t testing.TB, base, user string) net.Conn {
	t.Helper()
	conn := wsOpen(t, base, "")
	wsUntil(t, conn, "0{")
	wsSend(t, conn, `40{"userId":"`+user+`"}`)
	wsUntil(t, conn, `42["welcome"`)
	return conn
}

// wsAlive checks a websocket session still relays: an ack round trip.
func wsAlive(t testing.TB, conn net.Conn) {
	t.Helper()
	wsSend(t, conn, `4299["online_users"]`)
	wsUntil(t, conn, "4399[")
}
