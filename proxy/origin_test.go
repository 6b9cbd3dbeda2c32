package proxy

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gorilla/websocket"

	"github.com/sidecast/sidecast/internal/testkit"
)

// sawRequest is what an origin-checking backend saw of one request.
type sawRequest struct {
	host, fwdHost, fwdProto, origin string
}

// originBackend is a server in the style of gorilla/websocket's chat example:
// its Upgrader is the zero value, whose CheckOrigin refuses a browser whose
// Origin names another host than the request's Host. /ws echoes, /socket.io/
// speaks just enough Engine.IO to open a session, and /whoami answers plain
// HTTP. Every request it sees is recorded.
type originBackend struct {
	srv *httptest.Server
	mu  sync.Mutex
	saw []sawRequest
}

func newOriginBackend(t *testing.T) *originBackend {
	t.Helper()
	b := &originBackend{}
	var up websocket.Upgrader // the default: same-origin check on
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		b.record(r)
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return // the Upgrader already answered 403
		}
		defer c.Close()
		for {
			typ, p, err := c.ReadMessage()
			if err != nil {
				return
			}
			if c.WriteMessage(typ, p) != nil {
				return
			}
		}
	})
	mux.HandleFunc("/socket.io/", func(w http.ResponseWriter, r *http.Request) {
		b.record(r)
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		open := `0{"sid":"gorilla","upgrades":[],"pingInterval":600000,"pingTimeout":600000,"maxPayload":1000000}`
		if c.WriteMessage(websocket.TextMessage, []byte(open)) != nil {
			return
		}
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		b.record(r)
		fmt.Fprint(w, r.Host)
	})
	b.srv = httptest.NewServer(mux)
	t.Cleanup(b.srv.Close)
	return b
}

func (b *originBackend) record(r *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.saw = append(b.saw, sawRequest{
		host: r.Host, fwdHost: r.Header.Get("X-Forwarded-Host"),
		fwdProto: r.Header.Get("X-Forwarded-Proto"), origin: r.Header.Get("Origin"),
	})
}

// last is the last request seen whose Origin is origin (preflights and
// probes carry none).
func (b *originBackend) last(t *testing.T, origin string) sawRequest {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.saw) - 1; i >= 0; i-- {
		if b.saw[i].origin == origin {
			return b.saw[i]
		}
	}
	t.Fatalf("the backend saw no request with Origin %q: %+v", origin, b.saw)
	return sawRequest{}
}

// TestOriginCheckingBackend: a browser's Origin names the host it loaded
// the page from, which is the host it connects to (sidecast's). By default
// the backend sees that Host, so gorilla's same-origin check passes for an
// upgrade, an Engine.IO polling open and plain HTTP, with X-Forwarded-Host
// and -Proto added; with HostFromBackend it sees BACKEND_URL's host, and
// the check refuses the browser.
func TestOriginCheckingBackend(t *testing.T) {
	backend := newOriginBackend(t)
	bu, _ := url.Parse(backend.srv.URL)
	for _, tc := range []struct {
		name     string
		mode     HostHeader
		protocol Protocol
		kind     string // "websocket", "polling" or "http"
		refused  bool
	}{
		{"websocket/default", "", ProtocolWebSocket, "websocket", false},
		{"websocket/client", HostFromClient, ProtocolWebSocket, "websocket", false},
		{"websocket/backend", HostFromBackend, ProtocolWebSocket, "websocket", true},
		{"socketio-websocket/default", "", ProtocolSocketIO, "websocket", false},
		{"socketio-polling/default", "", ProtocolSocketIO, "polling", false},
		{"socketio-polling/backend", HostFromBackend, ProtocolSocketIO, "polling", true},
		{"http/default", "", ProtocolWebSocket, "http", false},
		{"http/backend", HostFromBackend, ProtocolWebSocket, "http", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, base := newProxy(t, bu, func(c *Config) {
				c.Protocol = tc.protocol
				c.BackendHostHeader = tc.mode
			})
			front, _ := url.Parse(base)
			origin := "http://" + front.Host + "/" + tc.name // unique per case, so last() finds this case's request
			var status int
			switch tc.kind {
			case "websocket":
				status = dialWithOrigin(t, base, tc.protocol, origin)
			case "polling":
				status, _, _ = eioDo(t, http.MethodGet, eioURL(base, "transport=polling"), "", http.Header{"Origin": {origin}})
			case "http":
				status, _, _ = eioDo(t, http.MethodGet, base+"/whoami", "", http.Header{"Origin": {origin}})
			}
			saw := backend.last(t, origin)
			wantHost := front.Host
			if tc.mode == HostFromBackend {
				wantHost = bu.Host
			}
			if saw.host != wantHost {
				t.Errorf("backend saw Host %q, want %q", saw.host, wantHost)
			}
			if saw.fwdHost != front.Host || saw.fwdProto != "http" {
				t.Errorf("backend saw X-Forwarded-Host %q, -Proto %q; want %q, http", saw.fwdHost, saw.fwdProto, front.Host)
			}
			if ok := status == http.StatusOK || status == http.StatusSwitchingProtocols; ok == tc.refused {
				t.Errorf("client got status %d; refused by the origin check: want %v", status, tc.refused)
			}
		})
	}
}

// dialWithOrigin upgrades through sidecast as a browser would, and for a
// session that opened checks it works (an echo, or the Engine.IO open
// packet). It returns the HTTP status of the upgrade.
func dialWithOrigin(t *testing.T, base string, p Protocol, origin string) int {
	t.Helper()
	path := "/ws"
	if p == ProtocolSocketIO {
		path = "/socket.io/?EIO=4&transport=websocket"
	}
	status := 0
	d := ws.Dialer{
		Header:        ws.HandshakeHeaderHTTP(http.Header{"Origin": {origin}}),
		OnStatusError: func(s int, _ []byte, _ io.Reader) { status = s },
		Timeout:       10 * time.Second,
	}
	conn, br, _, err := d.Dial(context.Background(), wsURL(base, path))
	if err != nil {
		if status == 0 {
			t.Fatalf("dial %s: %v", path, err)
		}
		return status
	}
	t.Cleanup(func() { conn.Close() })
	conn = testkit.DialedConn(conn, br)
	if p == ProtocolSocketIO {
		if msg, _, err := wsRead(t, conn); err != nil || !strings.HasPrefix(msg, "0") {
			t.Fatalf("open packet %q: %v", msg, err)
		}
		return http.StatusSwitchingProtocols
	}
	sendText(t, conn, "same origin")
	if m := readMsg(t, conn); string(m.Payload) != "same origin" {
		t.Fatalf("echo %q", m.Payload)
	}
	return http.StatusSwitchingProtocols
}
