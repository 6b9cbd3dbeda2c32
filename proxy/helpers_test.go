package proxy

import (
	"context"
	"net"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"golang.org/x/sys/unix"

	"github.com/sidecast/sidecast/proxy/wsframe"
)

// newProxy starts a Server in front of backend on a loopback listener.
func newProxy(t testing.TB, backend *url.URL, mod func(*Config)) (*Server, string) {
	t.Helper()
	cfg := Config{Backend: backend}
	if mod != nil {
		mod(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hs := httptest.NewServer(p)
	t.Cleanup(func() {
		p.Close()
		hs.Close()
	})
	return p, hs.URL
}

func wsURL(httpURL, path string) string {
	return "ws" + strings.TrimPrefix(httpURL, "http") + path
}

// dial opens a client WebSocket through the proxy.
func dial(t *testing.T, base, path string) net.Conn {
	t.Helper()
	conn, br, _, err := ws.Dial(context.Background(), wsURL(base, path))
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	if br != nil {
		t.Fatal("unexpected read-ahead after the handshake")
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// dialSmallReadBuffer dials like dial with the client's receive buffer set
// to size before it connects. Shrinking it after the handshake would leave
// the proxy a window larger than the buffer: the client's kernel then drops
// segments that carry its ACKs too, and both sides stall in retransmission
// back-off instead of showing the proxy a client that does not read.
func dialSmallReadBuffer(t *testing.T, base, path string, size int) net.Conn {
	t.Helper()
	d := ws.Dialer{NetDial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		nd := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			if err := rc.Control(func(fd uintptr) {
				serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, size)
			}); err != nil {
				return err
			}
			return serr
		}}
		return nd.DialContext(ctx, network, addr)
	}}
	conn, br, _, err := d.Dial(context.Background(), wsURL(base, path))
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	if br != nil {
		t.Fatal("unexpected read-ahead after the handshake")
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// readMsg reads the next data or close message a client receives.
func readMsg(t *testing.T, conn net.Conn) wsutil.Message {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer conn.SetReadDeadline(time.Time{})
	for {
		h, err := ws.ReadHeader(conn)
		if err != nil {
			t.Fatalf("read header: %v", err)
		}
		p := make([]byte, h.Length)
		if _, err := readFull(conn, p); err != nil {
			t.Fatalf("read payload: %v", err)
		}
		if h.OpCode == ws.OpPong {
			continue
		}
		return wsutil.Message{OpCode: h.OpCode, Payload: p}
	}
}

func readFull(conn net.Conn, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := conn.Read(p[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// expectClose reads until a close frame and checks its code.
func expectClose(t *testing.T, conn net.Conn, want ws.StatusCode) string {
	t.Helper()
	m := readMsg(t, conn)
	if m.OpCode != ws.OpClose {
		t.Fatalf("got %v %q, want a close frame", m.OpCode, m.Payload)
	}
	code, reason := ws.ParseCloseFrameData(m.Payload)
	if code != want {
		t.Fatalf("close code %d (%q), want %d", code, reason, want)
	}
	// Answer as real clients do, completing the closing handshake.
	conn.Write(wsframe.AppendClose(nil, code, "", true))
	return reason
}

// settledGoroutines waits for short-lived goroutines (HTTP handlers finishing
// after a hijack) to end and returns the count once it stops falling.
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for range 100 {
		time.Sleep(10 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			return n
		}
		n = m
	}
	return n
}
