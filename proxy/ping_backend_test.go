package proxy

import (
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/sidecast/sidecast/proxy/wsframe"
)

// TestBackendPingAnsweredByProxy: the proxy is the backend's client, so it
// answers the backend's ping itself with a masked pong and does not bother
// the client with it.
func TestBackendPingAnsweredByProxy(t *testing.T) {
	rb := newRawBackend(t)
	_, base := newProxy(t, rb.url(), nil)
	pair := rb.open(t, base)
	pair.backend.Write(wsframe.AppendFrame(nil, ws.OpPing, true, []byte("backend ping"), false))
	pair.backend.SetReadDeadline(time.Now().Add(10 * time.Second))
	h, err := ws.ReadHeader(pair.backend)
	if err != nil {
		t.Fatal(err)
	}
	p := make([]byte, h.Length)
	readFull(pair.backend, p)
	ws.Cipher(p, h.Mask, 0)
	if h.OpCode != ws.OpPong || !h.Masked || string(p) != "backend ping" {
		t.Fatalf("backend got %v masked=%v %q, want a masked pong", h.OpCode, h.Masked, p)
	}
	// The client sees the next data message, not the ping.
	pair.backend.Write(wsframe.AppendFrame(nil, ws.OpText, true, []byte("after"), false))
	pair.client.SetReadDeadline(time.Now().Add(10 * time.Second))
	ch, err := ws.ReadHeader(pair.client) // raw: a relayed ping would show here
	if err != nil || ch.OpCode != ws.OpText {
		t.Fatalf("client's first frame %v, %v; want the text message", ch.OpCode, err)
	}
	msg := make([]byte, ch.Length)
	readFull(pair.client, msg)
	if string(msg) != "after" {
		t.Fatalf("client got %q", msg)
	}
}
