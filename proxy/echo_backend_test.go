package proxy

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// echoBackend is a test backend: WebSocket requests are upgraded and every
// message is echoed; a text message "headers" is answered with the upgrade
// request's headers as JSON; "close:CODE:REASON" makes it close; "flood:N"
// makes it send N binary messages of 16 KiB as fast as it can. Plain HTTP
// requests are echoed as JSON (method, path, body, headers).
type echoBackend struct {
	t   *testing.T
	srv *httptest.Server

	mu    sync.Mutex
	conns []net.Conn
	got   [][]byte // messages received, in order
	close []ws.StatusCode
}

func newEchoBackend(t *testing.T) *echoBackend {
	t.Helper()
	b := &echoBackend{t: t}
	b.srv = httptest.NewServer(http.HandlerFunc(b.serve))
	t.Cleanup(b.shutdown)
	return b
}

func (b *echoBackend) url() *url.URL {
	u, _ := url.Parse(b.srv.URL)
	return u
}

func (b *echoBackend) shutdown() {
	b.mu.Lock()
	for _, c := range b.conns {
		c.Close()
	}
	b.mu.Unlock()
	b.srv.Close()
}

func (b *echoBackend) serve(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Upgrade") == "" {
		body, _ := io.ReadAll(r.Body)
		json.NewEncoder(w).Encode(map[string]any{
			"method": r.Method, "path": r.URL.RequestURI(), "body": string(body), "headers": r.Header,
		})
		return
	}
	u := ws.HTTPUpgrader{
		Protocol: func(p string) bool { return p == "chat.v2" },
		Header:   http.Header{"Set-Cookie": {"backend=1; Path=/", "other=2"}},
	}
	conn, _, _, err := u.Upgrade(r, w)
	if err != nil {
		return
	}
	b.mu.Lock()
	b.conns = append(b.conns, conn)
	b.mu.Unlock()
	hdr, _ := json.Marshal(r.Header)
	go b.echo(conn, hdr)
}

func (b *echoBackend) echo(conn net.Conn, hdr []byte) {
	defer conn.Close()
	for {
		msgs, err := wsutil.ReadClientMessage(conn, nil)
		if err != nil {
			return
		}
		for _, m := range msgs {
			if !b.handle(conn, m, hdr) {
				return
			}
		}
	}
}

func (b *echoBackend) handle(conn net.Conn, m wsutil.Message, hdr []byte) bool {
	switch {
	case m.OpCode == ws.OpClose:
		code, _ := ws.ParseCloseFrameData(m.Payload)
		b.mu.Lock()
		b.close = append(b.close, code)
		b.mu.Unlock()
		return false
	case m.OpCode.IsControl():
		return true
	case string(m.Payload) == "headers":
		return wsutil.WriteServerMessage(conn, ws.OpText, hdr) == nil
	case bytes.HasPrefix(m.Payload, []byte("flood:")):
		n := atoi(string(m.Payload[len("flood:"):]))
		p := bytes.Repeat([]byte{'f'}, 16<<10)
		for range n {
			if wsutil.WriteServerMessage(conn, ws.OpBinary, p) != nil {
				return false
			}
		}
		return true
	case bytes.HasPrefix(m.Payload, []byte("close:")):
		parts := bytes.SplitN(m.Payload, []byte(":"), 3)
		code := ws.StatusCode(atoi(string(parts[1])))
		wsutil.WriteServerMessage(conn, ws.OpClose, ws.NewCloseFrameBody(code, string(parts[2])))
		return false
	}
	b.mu.Lock()
	b.got = append(b.got, bytes.Clone(m.Payload))
	b.mu.Unlock()
	return wsutil.WriteServerMessage(conn, m.OpCode, m.Payload) == nil
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
