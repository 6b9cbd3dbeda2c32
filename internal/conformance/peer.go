package conformance

import (
	"testing"

	"github.com/sidecast/sidecast/internal/testkit"
)

// PeerDir is the Node peer's folder, relative to the repository root.
const PeerDir = "internal/conformance/peer"

// Peer modes: which reference server the peer runs.
const (
	ModeEngineIO = "eio" // engine.io on /engine.io/ (EIO_PATH changes it)
	ModeSocketIO = "sio" // socket.io on /socket.io/
)

// Peer is a running reference server.
type Peer struct {
	*testkit.NodeServer
}

// StartPeer starts the reference server of mode on a free loopback port
// with the extra environment env ("PING_INTERVAL=300", …), waits until it
// answers, and stops it when the test ends.
func StartPeer(t testing.TB, mode string, env ...string) *Peer {
	t.Helper()
	module := "engine.io"
	if mode == ModeSocketIO {
		module = "socket.io"
	}
	ns, err := testkit.StartNodeServer(PeerDir, module, append([]string{"MODE=" + mode}, env...)...)
	if err != nil {
		t.Fatalf("conformance: %v", err)
	}
	t.Cleanup(func() {
		ns.Close()
		if t.Failed() {
			t.Logf("reference server output:\n%s", ns.Output())
		}
	})
	return &Peer{NodeServer: ns}
}
