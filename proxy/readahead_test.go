package proxy

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/proxy/wsframe"
)

// TestReadAheadRelayed: bytes that arrive in the same segment as a handshake
// sit in a bufio.Reader, not the socket; the relay must not lose them.
//
// The backend answers its upgrade and sends a greeting in one write; the
// client sends its upgrade request and a first message in one write.
func TestReadAheadRelayed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan string, 1)
	go eagerBackend(ln, got)
	_, base := newProxy(t, &url.URL{Scheme: "http", Host: ln.Addr().String()}, nil)

	conn, err := net.Dial("tcp", base[len("http://"):])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	req := "GET /eager HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	first := wsframe.AppendFrame([]byte(req), ws.OpText, true, []byte("first from client"), true)
	if _, err := conn.Write(first); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	msg, err := wsutil.ReadServerText(bufferedConn{br, conn})
	if err != nil || string(msg) != "greeting from backend" {
		t.Fatalf("client got %q, %v; want the backend's greeting", msg, err)
	}
	select {
	case s := <-got:
		if s != "first from client" {
			t.Fatalf("backend got %q", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("backend never got the client's first message")
	}
}

// eagerBackend is the test backend's goroutine: it serves one connection,
// answering the upgrade and greeting in a single write, and reports the first
// message it receives.
func eagerBackend(ln net.Listener, got chan<- string) {
	c, err := ln.Accept()
	if err != nil {
		return
	}
	defer c.Close()
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	h := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	resp := fmt.Sprintf("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Accept: %s\r\n\r\n", base64.StdEncoding.EncodeToString(h[:]))
	out := wsframe.AppendFrame([]byte(resp), ws.OpText, true, []byte("greeting from backend"), false)
	if _, err := c.Write(out); err != nil {
		return
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if msg, err := wsutil.ReadClientText(bufferedConn{br, c}); err == nil {
		got <- string(msg)
	}
}

// bufferedConn reads through the bufio.Reader that holds the read-ahead and
// writes (control replies) to the socket.
type bufferedConn struct {
	io.Reader
	io.Writer
}
