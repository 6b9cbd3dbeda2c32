package testkit

import (
	"net"
	"testing"
)

// ListenLoopback is a listener on a free port of 127.0.0.1, closed when the
// test ends.
func ListenLoopback(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen on loopback: %v", err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	return ln
}
