package proxy

import (
	"net/url"
	"testing"

	"github.com/sidecast/sidecast/internal/siotest"
)

// newSocketIOProxy starts the example Socket.IO server and sidecast in
// front of it with PROTOCOL=socketio.
func newSocketIOProxy(t *testing.T, env ...string) (*Server, string, *siotest.Server) {
	t.Helper()
	backend := siotest.StartServer(t, env...)
	u, err := url.Parse(backend.URL)
	if err != nil {
		t.Fatal(err)
	}
	p, base := newProxy(t, u, func(c *Config) { c.Protocol = ProtocolSocketIO })
	return p, base, backend
}

// closeEIOSessions closes every Engine.IO session from sidecast's side.
func closeEIOSessions(p *Server) {
	p.eio.mu.Lock()
	list := make([]*eioSession, 0, len(p.eio.sessions))
	for _, s := range p.eio.sessions {
		list = append(list, s)
	}
	p.eio.mu.Unlock()
	for _, s := range list {
		s.close("closed by test")
	}
}

// TestSocketIOScenariosThroughSidecast runs the scenario table that
// internal/siotest runs against the backend directly, through sidecast.
func TestSocketIOScenariosThroughSidecast(t *testing.T) {
	p, base, backend := newSocketIOProxy(t)
	siotest.RunAll(t, siotest.Target{
		Name:          "sidecast",
		URL:           base,
		Backend:       backend.URL,
		CloseSessions: func(testing.TB) { closeEIOSessions(p) },
	})
}
