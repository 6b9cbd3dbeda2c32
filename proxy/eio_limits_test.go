package proxy

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/siotest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// TestEIOMaxConnections: Engine.IO sessions hold MaxConnections slots from
// the handshake until they close.
func TestEIOMaxConnections(t *testing.T) {
	backend := siotest.StartServer(t)
	u, _ := url.Parse(backend.URL)
	p, base := newProxy(t, u, func(c *Config) {
		c.Protocol = ProtocolSocketIO
		c.MaxConnections = 1
	})
	hs := pollOpen(t, base)
	if status, _, _ := eioDo(t, http.MethodGet, eioURL(base, "transport=polling"), "", nil); status != http.StatusServiceUnavailable {
		t.Fatalf("second handshake answered %d, want 503", status)
	}
	pollPost(t, base, hs.SID, "1") // the client closes its session
	testkit.WaitUntil(t, 5*time.Second, "slot released", func() bool { return p.active.Load() == 0 })
	pollOpen(t, base)
}

// TestEIOServerClose: closing the server ends websocket and polling
// sessions the Engine.IO way, and Close stays idempotent.
func TestEIOServerClose(t *testing.T) {
	p, base, _ := newSocketIOProxy(t)
	conn := wsConnect(t, base, "closing-ws")
	sid := pollConnect(t, base, "closing-poll")
	p.Close()
	expectWSClosed(t, conn)
	status, body := pollGet(t, base, sid)
	if status == 200 && body != "1" {
		t.Fatalf("GET after Close answered %d %q, want the close packet or an unknown sid", status, body)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if n := p.Sessions(); n != 0 {
		t.Fatalf("%d sessions after Close", n)
	}
}
