package siotest

import (
	"testing"

	"github.com/sidecast/sidecast/internal/testkit"
)

// ServerDir is the example backend's folder, relative to the repository root.
const ServerDir = "examples/socketio-chat"

// Server is a running examples/socketio-chat process.
type Server struct {
	*testkit.NodeServer
}

// StartServer starts the example server on a free loopback port with the
// extra environment env ("PING_INTERVAL=300", …), waits until GET /health
// answers, and stops it when the test ends.
func StartServer(t testing.TB, env ...string) *Server {
	t.Helper()
	return StartServerOn(t, testkit.FreePort(t), env...)
}

// StartServerOn is StartServer on a given port: a backend started again
// where the one before it listened (see Kill).
func StartServerOn(t testing.TB, port int, env ...string) *Server {
	t.Helper()
	ns, err := testkit.StartNodeServerOn(ServerDir, "socket.io", port, env...)
	if err != nil {
		t.Fatalf("siotest: %v", err)
	}
	t.Cleanup(func() {
		ns.Close()
		if t.Failed() {
			t.Logf("example server output:\n%s", ns.Output())
		}
	})
	return &Server{NodeServer: ns}
}
