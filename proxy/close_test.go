package proxy

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/internal/testkit"
	"github.com/sidecast/sidecast/proxy/wsframe"
)

func TestPingAnsweredByProxy(t *testing.T) {
	b := newEchoBackend(t)
	_, base := newProxy(t, b.url(), nil)
	conn := dial(t, base, "/")
	if err := wsutil.WriteClientMessage(conn, ws.OpPing, []byte("are you there")); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	h, err := ws.ReadHeader(conn)
	if err != nil {
		t.Fatal(err)
	}
	p := make([]byte, h.Length)
	readFull(conn, p)
	if h.OpCode != ws.OpPong || string(p) != "are you there" {
		t.Fatalf("got %v %q, want the pong", h.OpCode, p)
	}
}

func TestFragmentedMessageArrivesWhole(t *testing.T) {
	b := newEchoBackend(t)
	_, base := newProxy(t, b.url(), nil)
	conn := dial(t, base, "/")
	var frames []byte
	frames = wsframe.AppendFrame(frames, ws.OpText, false, []byte("hel"), true)
	frames = wsframe.AppendFrame(frames, ws.OpPing, true, []byte("in between"), true)
	frames = wsframe.AppendFrame(frames, ws.OpContinuation, false, []byte("lo, "), true)
	frames = wsframe.AppendFrame(frames, ws.OpContinuation, true, []byte("world"), true)
	for i := range frames { // byte by byte: every split point of the stream
		if _, err := conn.Write(frames[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	m := readMsg(t, conn)
	if m.OpCode != ws.OpText || string(m.Payload) != "hello, world" {
		t.Fatalf("echo %v %q", m.OpCode, m.Payload)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.got) != 1 || string(b.got[0]) != "hello, world" {
		t.Fatalf("backend received %q, want one whole message", b.got)
	}
}

func TestCloseCarriedBothWays(t *testing.T) {
	t.Run("client to backend", func(t *testing.T) {
		b := newEchoBackend(t)
		p, base := newProxy(t, b.url(), nil)
		conn := dial(t, base, "/")
		conn.Write(wsframe.AppendClose(nil, 4001, "client says bye", true))
		if reason := expectClose(t, conn, 4001); reason != "" {
			t.Fatalf("echoed reason %q, want none", reason)
		}
		testkit.WaitUntil(t, 10*time.Second, "backend to see 4001", func() bool {
			b.mu.Lock()
			defer b.mu.Unlock()
			return len(b.close) == 1 && b.close[0] == 4001
		})
		testkit.WaitUntil(t, 10*time.Second, "session to end", func() bool { return p.Sessions() == 0 })
	})
	t.Run("backend to client", func(t *testing.T) {
		b := newEchoBackend(t)
		p, base := newProxy(t, b.url(), nil)
		conn := dial(t, base, "/")
		wsutil.WriteClientText(conn, []byte("close:4002:backend says bye"))
		if reason := expectClose(t, conn, 4002); reason != "backend says bye" {
			t.Fatalf("reason %q", reason)
		}
		testkit.WaitUntil(t, 10*time.Second, "session to end", func() bool { return p.Sessions() == 0 })
	})
	t.Run("empty close body", func(t *testing.T) {
		b := newEchoBackend(t)
		_, base := newProxy(t, b.url(), nil)
		conn := dial(t, base, "/")
		conn.Write(wsframe.AppendClose(nil, 0, "", true))
		m := readMsg(t, conn)
		if m.OpCode != ws.OpClose || len(m.Payload) != 0 {
			t.Fatalf("got %v %q, want an empty close", m.OpCode, m.Payload)
		}
	})
}

// maskedRaw builds a client frame by hand (zero mask) so tests can set bits
// that encoders refuse.
func maskedRaw(b0 byte, p []byte) []byte {
	return append([]byte{b0, 0x80 | byte(len(p)), 0, 0, 0, 0}, p...)
}

func TestBadInputClosesOnlyThatSession(t *testing.T) {
	b := newEchoBackend(t)
	p, base := newProxy(t, b.url(), func(c *Config) { c.MaxPayload = 1000 })
	other := dial(t, base, "/other")
	tests := []struct {
		name string
		in   []byte
		want ws.StatusCode
	}{
		{"unknown opcode", maskedRaw(0x83, nil), 1002},
		{"unmasked client frame", []byte{0x81, 2, 'h', 'i'}, 1002},
		{"control frame over 125 bytes", wsframe.AppendFrame(nil, ws.OpPing, true, make([]byte, 126), true), 1002},
		{"fragmented control frame", wsframe.AppendFrame(nil, ws.OpPing, false, []byte("x"), true), 1002},
		{"RSV bits without extension", maskedRaw(0xC1, []byte("hi")), 1002},
		{"invalid UTF-8 text", wsframe.AppendFrame(nil, ws.OpText, true, []byte{0xc3, 0x28}, true), 1007},
		{"message over MaxPayload", wsframe.AppendFrame(nil, ws.OpBinary, true, make([]byte, 1001), true), 1009},
		{"fragments over MaxPayload", append(wsframe.AppendFrame(nil, ws.OpBinary, false, make([]byte, 600), true),
			wsframe.AppendFrame(nil, ws.OpContinuation, true, make([]byte, 600), true)...), 1009},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conn := dial(t, base, "/bad")
			conn.Write(tc.in)
			expectClose(t, conn, tc.want)
			assertEcho(t, other, []byte{byte(i)})
		})
	}
	testkit.WaitUntil(t, 10*time.Second, "bad sessions to end", func() bool { return p.Sessions() == 1 })
	st := p.Stats()
	if st.Drops.ClientProtocol != 6 || st.Drops.TooLarge != 2 {
		t.Fatalf("drops %+v, want 6 protocol and 2 too large", st.Drops)
	}
}

func assertEcho(t *testing.T, conn net.Conn, p []byte) {
	t.Helper()
	if err := wsutil.WriteClientBinary(conn, p); err != nil {
		t.Fatal(err)
	}
	if m := readMsg(t, conn); !bytes.Equal(m.Payload, p) {
		t.Fatalf("other session echoed %q, want %q", m.Payload, p)
	}
}

// TestCloseFrameFollowedByFIN: when sidecast closes a client, a FIN follows
// its close frame at once, before the client answers: the client reads the
// frame and then a clean EOF, never a reset, even if it was still sending.
func TestCloseFrameFollowedByFIN(t *testing.T) {
	b := newEchoBackend(t)
	p, base := newProxy(t, b.url(), nil)
	conn := dial(t, base, "/")
	wsutil.WriteClientText(conn, []byte("close:4002:bye"))
	m := readMsg(t, conn)
	if code, _ := ws.ParseCloseFrameData(m.Payload); m.OpCode != ws.OpClose || code != 4002 {
		t.Fatalf("got %v %q, want close 4002", m.OpCode, m.Payload)
	}
	// Still sending after the close: must not turn the end into a reset.
	conn.Write(wsframe.AppendFrame(nil, ws.OpText, true, []byte("late"), true))
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := conn.Read(make([]byte, 16)); err != io.EOF {
		t.Fatalf("after the close frame: %d bytes, %v; want a clean EOF", n, err)
	}
	conn.Write(wsframe.AppendClose(nil, 4002, "", true))
	testkit.WaitUntil(t, 10*time.Second, "session to end", func() bool { return p.Sessions() == 0 })
}
