package proxy

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/sidecast/sidecast/proxy/wsframe"
)

var eioRawOpen = wsframe.AppendFrame(nil, ws.OpText, true,
	[]byte(`0{"sid":"rawbackend","upgrades":[],"pingInterval":600000,"pingTimeout":600000,"maxPayload":1000000}`), false)

// newEIORawBackend is a minimal Engine.IO websocket backend for benchmarks:
// it upgrades, sends an open packet (heartbeat far away) and hands the raw
// socket to the test, which then plays the backend with pre-encoded frames.
func newEIORawBackend(t testing.TB) *rawBackend { return newGreetingRawBackend(t, eioRawOpen) }

// next returns the backend end of the session sidecast opened last.
func (rb *rawBackend) next(t testing.TB) net.Conn {
	t.Helper()
	select {
	case c := <-rb.conns:
		t.Cleanup(func() { c.Close() })
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("backend never saw the session")
	}
	return nil
}

// eioWSPair is one websocket-transport Engine.IO session through sidecast
// with raw sockets at both ends.
type eioWSPair struct {
	client, backend net.Conn
	toBack          []byte // masked client frame: 42["send_message",…]
	toClient        []byte // server frame: 42["new_message",…]
	buf             []byte
}

func openEIOWSPair(t testing.TB, rb *rawBackend, base string) *eioWSPair {
	t.Helper()
	conn := wsOpen(t, base, "")
	if msg, _, err := wsRead(t, conn); err != nil || msg[0] != '0' {
		t.Fatalf("open packet %q: %v", msg, err)
	}
	p := &eioWSPair{client: conn, backend: rb.next(t)}
	event := []byte(`42["send_message",{"twinPairId":"pair-1","text":"hello, this is a chat message of a typical size"}]`)
	reply := []byte(`42["new_message",{"id":1,"twinPairId":"pair-1","from":"u1","text":"hello, this is a chat message of a typical size"}]`)
	p.toBack = wsframe.AppendFrame(nil, ws.OpText, true, event, true)
	p.toClient = wsframe.AppendFrame(nil, ws.OpText, true, reply, false)
	p.buf = make([]byte, 1024)
	return p
}

// clientToBackend relays one event; the backend reads exactly the frame
// sidecast must produce: the same packet, masked (sidecast is the backend's
// websocket client), so as long as the client's frame. Reading less would
// leave the mask keys' bytes behind, and the reads would run ahead of the
// relay instead of waiting for it.
func (p *eioWSPair) clientToBackend() error {
	if _, err := p.client.Write(p.toBack); err != nil {
		return err
	}
	_, err := io.ReadFull(p.backend, p.buf[:len(p.toBack)])
	return err
}

func (p *eioWSPair) backendToClient() error {
	if _, err := p.backend.Write(p.toClient); err != nil {
		return err
	}
	_, err := io.ReadFull(p.client, p.buf[:len(p.toClient)])
	return err
}

// newEIOBenchPair is an eioWSPair through sidecast speaking proto
// (ProtocolSocketIO or ProtocolEngineIO), its pools warm.
func newEIOBenchPair(t testing.TB, proto Protocol) *eioWSPair {
	t.Helper()
	rb := newEIORawBackend(t)
	_, base := newProxy(t, rb.url(), func(c *Config) { c.Protocol = proto })
	p := openEIOWSPair(t, rb, base)
	for range 200 { // warm the pools
		if err := p.clientToBackend(); err != nil {
			t.Fatal(err)
		}
		if err := p.backendToClient(); err != nil {
			t.Fatal(err)
		}
	}
	return p
}
