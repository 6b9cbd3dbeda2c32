package proxy

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/proxy/wsframe"
)

// TestSlowClientClosedWith1008: a client that stops reading while its backend
// floods it fills its bounded write queue; it is closed with 1008 and counted,
// and another session keeps working.
func TestSlowClientClosedWith1008(t *testing.T) {
	b := newEchoBackend(t)
	p, base := newProxy(t, b.url(), func(c *Config) {
		c.MaxPayload = 32 << 10
		c.WriteQueueBytes = 256 << 10
		c.CloseGrace = time.Minute // the slow peer reads its close only later
	})
	other := dial(t, base, "/other")
	slow := dial(t, base, "/slow")
	slow.(*net.TCPConn).SetReadBuffer(16 << 10)
	sendText(t, slow, "flood:400") // 6.4 MiB, far past the queue and socket buffers
	waitFor(t, "the slow client to be dropped", 30*time.Second, func() bool {
		return p.Stats().Drops.SlowClient == 1
	})
	assertEcho(t, other, []byte("still here"))
	// Reading now drains what was queued before the overflow, then the close.
	code := readUntilClose(t, slow)
	if code != ws.StatusPolicyViolation {
		t.Fatalf("slow client closed with %d, want 1008", code)
	}
}

// TestSlowBackendClosedWith1008: a backend that never reads fills the
// upstream write queue; the backend leg gets 1008, the client 1011.
func TestSlowBackendClosedWith1008(t *testing.T) {
	rb := newRawBackend(t)
	p, base := newProxy(t, rb.url(), func(c *Config) {
		c.MaxPayload = 32 << 10
		c.WriteQueueBytes = 256 << 10
		c.CloseGrace = time.Minute // the slow peer reads its close only later
	})
	pair := rb.open(t, base)
	pair.backend.(*net.TCPConn).SetReadBuffer(16 << 10)
	go floodFrames(pair.client, 400)
	waitFor(t, "the slow backend to be dropped", 30*time.Second, func() bool {
		return p.Stats().Drops.SlowBackend == 1
	})
	if code := readUntilClose(t, pair.client); code != ws.StatusInternalServerError {
		t.Fatalf("client closed with %d, want 1011", code)
	}
	if code := readServerUntilClose(t, pair.backend); code != ws.StatusPolicyViolation {
		t.Fatalf("backend closed with %d, want 1008", code)
	}
}

// floodFrames is a writer goroutine: it sends n 16 KiB messages and stops at
// the first error (the proxy closing the connection).
func floodFrames(c net.Conn, n int) {
	frame := wsframe.AppendFrame(nil, ws.OpBinary, true, make([]byte, 16<<10), true)
	c.SetWriteDeadline(time.Now().Add(60 * time.Second))
	for range n {
		if _, err := c.Write(frame); err != nil {
			return
		}
	}
}

// readUntilClose reads server frames, discarding data, until a close frame.
func readUntilClose(t *testing.T, c net.Conn) ws.StatusCode {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		h, err := ws.ReadHeader(c)
		if err != nil {
			t.Fatalf("no close frame: %v", err)
		}
		if h.OpCode != ws.OpClose {
			if _, err := io.CopyN(io.Discard, c, h.Length); err != nil {
				t.Fatalf("no close frame: %v", err)
			}
			continue
		}
		p := make([]byte, h.Length)
		if _, err := io.ReadFull(c, p); err != nil {
			t.Fatalf("close frame cut short: %v", err)
		}
		code, _ := ws.ParseCloseFrameData(p)
		return code
	}
}

// readServerUntilClose reads client (masked) frames at the backend until a
// close frame.
func readServerUntilClose(t *testing.T, c net.Conn) ws.StatusCode {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		msgs, err := wsutil.ReadClientMessage(c, nil)
		if err != nil {
			t.Fatalf("no close frame: %v", err)
		}
		for _, m := range msgs {
			if m.OpCode == ws.OpClose {
				code, _ := ws.ParseCloseFrameData(m.Payload)
				return code
			}
		}
	}
}

// TestPingFloodBlamesThePinger: a client that sends pings but never reads
// fills its own queue with pongs; it is the slow side (1008), not the backend.
func TestPingFloodBlamesThePinger(t *testing.T) {
	b := newEchoBackend(t)
	p, base := newProxy(t, b.url(), func(c *Config) {
		c.MaxPayload = 16 << 10
		c.WriteQueueBytes = 32 << 10
		c.CloseGrace = time.Minute
	})
	c := dial(t, base, "/pinger")
	c.(*net.TCPConn).SetReadBuffer(16 << 10)
	ping := wsframe.AppendFrame(nil, ws.OpPing, true, make([]byte, 125), true)
	go floodPings(c, ping, 20000)
	waitFor(t, "the pinger to be dropped", 30*time.Second, func() bool {
		return p.Stats().Drops.SlowClient == 1
	})
	if d := p.Stats().Drops; d.SlowBackend != 0 {
		t.Fatalf("drops %+v: the backend was blamed", d)
	}
	if code := readUntilClose(t, c); code != ws.StatusPolicyViolation {
		t.Fatalf("pinger closed with %d, want 1008", code)
	}
}

// floodPings is the pinging client's writer goroutine; it stops at the first
// error (the proxy closing the connection).
func floodPings(c net.Conn, ping []byte, n int) {
	c.SetWriteDeadline(time.Now().Add(60 * time.Second))
	for range n {
		if _, err := c.Write(ping); err != nil {
			return
		}
	}
}
