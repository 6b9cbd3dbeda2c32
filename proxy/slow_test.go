package proxy

import (
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/internal/testkit"
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
	slow := dialSmallReadBuffer(t, base, "/slow", 16<<10)
	sendText(t, slow, "flood:400") // 6.4 MiB, far past the queue and socket buffers
	testkit.WaitUntil(t, 30*time.Second, "the slow client to be dropped", func() bool {
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
	testkit.WaitUntil(t, 30*time.Second, "the slow backend to be dropped", func() bool {
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
	c := dialSmallReadBuffer(t, base, "/pinger", 16<<10)
	ping := wsframe.AppendFrame(nil, ws.OpPing, true, make([]byte, 125), true)
	go floodPings(c, ping, pingsToFill(t, 127))
	testkit.WaitUntil(t, 30*time.Second, "the pinger to be dropped", func() bool {
		return p.Stats().Drops.SlowClient == 1
	})
	if d := p.Stats().Drops; d.SlowBackend != 0 {
		t.Fatalf("drops %+v: the backend was blamed", d)
	}
	if code := readUntilClose(t, c); code != ws.StatusPolicyViolation {
		t.Fatalf("pinger closed with %d, want 1008", code)
	}
}

// pingsToFill is how many pings make pongs of pongSize bytes overflow
// everything between the proxy's write queue and a client that never
// reads: the kernel grows a loopback socket's send buffer up to tcp_wmem's
// maximum (4 MiB by default), so a flood that fits in it is never the
// proxy's problem and the test would pass or fail with the kernel's mood.
func pingsToFill(t *testing.T, pongSize int) int {
	t.Helper()
	sendMax := 4 << 20
	if b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_wmem"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 3 {
			if n, err := strconv.Atoi(f[2]); err == nil {
				sendMax = n
			}
		}
	}
	n := 2 * sendMax / pongSize
	t.Logf("flooding with up to %d pings (send buffer up to %d bytes)", n, sendMax)
	return n
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
