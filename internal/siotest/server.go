package siotest

import (
	"testing"

	"github.com/sidecast/sidecast/internal/testkit"
)

// ServerDir is the example backend's folder, relative to the repository root.
const ServerDir = "examples/socketio-chat"

// PresenceDir is the presence test backend's folder (server.js there says
// what it does): a room server that tells existing members who joined.
const PresenceDir = "internal/siotest/presence"

// Server is a running Socket.IO server process (examples/socketio-chat
// unless started with StartServerIn).
type Server struct {
	*testkit.NodeServer
}

// StartServer starts the example server on a free loopback port with the
// extra environment env ("PING_INTERVAL=300", …), waits until GET /health
// answers, and stops it when the test ends.
func StartServer(t testing.TB, env ...string) *Server {
	t.Helper()
	return startServer(t, ServerDir, testkit.FreePort(t), env...)
}

// StartServerOn is StartServer on a given port: a backend started again
// where the one before it listened (see Kill).
func StartServerOn(t testing.TB, port int, env ...string) *Server {
	t.Helper()
	return startServer(t, ServerDir, port, env...)
}

// StartServerIn starts the server.js of folder rel (relative to the
// repository root, with socket.io installed) as StartServer does.
func StartServerIn(t testing.TB, rel string, env ...string) *Server {
	t.Helper()
	return startServer(t, rel, testkit.FreePort(t), env...)
}

func startServer(t testing.TB, rel string, port int, env ...string) *Server {
	t.Helper()
	ns, err := testkit.StartNodeServerOn(rel, "socket.io", port, env...)
	if err != nil {
		t.Fatalf("siotest: %v", err)
	}
	t.Cleanup(func() {
		ns.Close()
		if t.Failed() {
			t.Logf("%s server output:\n%s", rel, ns.Output())
		}
	})
	return &Server{NodeServer: ns}
}
