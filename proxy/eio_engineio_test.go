package proxy

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/internal/conformance"
	"github.com/sidecast/sidecast/internal/testkit"
)

// newEngineIOProxy is sidecast with PROTOCOL=engineio in front of a plain
// engine.io server (the conformance peer: it echoes messages and answers
// "bin" with binary data); it returns the base URL of its Engine.IO path.
func newEngineIOProxy(t *testing.T) string {
	t.Helper()
	peer := conformance.StartPeer(t, conformance.ModeEngineIO)
	u, err := url.Parse(peer.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, base := newProxy(t, u, func(c *Config) {
		c.Protocol = Protocol("engineio")
		c.SocketIOPath = "/engine.io/"
	})
	return base + "/engine.io/?EIO=4&"
}

// TestEngineIOProtocolRelaysWholeMessages: with PROTOCOL=engineio, plain
// Engine.IO messages (text that is no Socket.IO packet, and binary) reach
// an engine.io server and come back whole, over websocket and polling.
func TestEngineIOProtocolRelaysWholeMessages(t *testing.T) {
	base := newEngineIOProxy(t)

	c, br, _, err := ws.Dial(context.Background(), "ws"+strings.TrimPrefix(base, "http")+"transport=websocket")
	if err != nil {
		t.Fatalf("websocket: %v", err)
	}
	defer c.Close()
	conn := testkit.DialedConn(c, br) // the open packet may come right behind the 101
	if msg, _, err := wsRead(t, conn); err != nil || !strings.HasPrefix(msg, "0{") {
		t.Fatalf("open packet %q %v", msg, err)
	}
	for _, tc := range []struct {
		op        ws.OpCode
		send, got string
	}{
		{ws.OpText, "4hello", "4hello"},
		{ws.OpText, `4{"type":"join"}`, `4{"type":"join"}`},
		{ws.OpBinary, "\x09\x08", "\x09\x08"},
		{ws.OpText, "4bin", "\x01\x02\x03\xff"},
	} {
		if err := wsutil.WriteClientMessage(conn, tc.op, []byte(tc.send)); err != nil {
			t.Fatal(err)
		}
		msg, op, err := wsRead(t, conn)
		if err != nil || msg != tc.got || (op == ws.OpBinary) != (tc.got[0] != '4') {
			t.Fatalf("websocket %q: got %q (op %v) %v, want %q", tc.send, msg, op, err, tc.got)
		}
	}

	status, body, _ := eioDo(t, http.MethodGet, base+"transport=polling", "", nil)
	if status != 200 || !strings.HasPrefix(body, "0{") {
		t.Fatalf("polling handshake %d %q", status, body)
	}
	sid := body[strings.Index(body, `"sid":"`)+7:]
	sid = sid[:strings.IndexByte(sid, '"')]
	for _, tc := range []struct{ send, got string }{
		{"4hello", "4hello"},
		{"bCQg=", "bCQg="},
		{"4bin", "bAQID/w=="},
	} {
		if status, body, _ := eioDo(t, http.MethodPost, base+"transport=polling&sid="+sid, tc.send, nil); status != 200 || body != "ok" {
			t.Fatalf("POST %q: %d %q", tc.send, status, body)
		}
		status, body, _ := eioDo(t, http.MethodGet, base+"transport=polling&sid="+sid, "", nil)
		if status != 200 || !bytes.Equal([]byte(body), []byte(tc.got)) {
			t.Fatalf("polling %q: got %d %q, want %q", tc.send, status, body, tc.got)
		}
	}
}
