package testkit

import (
	"bufio"
	"io"
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

// DialedConn is conn that first reads what the dialer already buffered (br,
// nil when nothing): a server's first frames may come in the same packet
// as its handshake response, and ws.Dial keeps them in br.
func DialedConn(conn net.Conn, br *bufio.Reader) net.Conn {
	if br == nil {
		return conn
	}
	return &readAheadConn{Conn: conn, r: io.MultiReader(br, conn)}
}

type readAheadConn struct {
	net.Conn
	r io.Reader
}

func (c *readAheadConn) Read(p []byte) (int, error) { return c.r.Read(p) }
