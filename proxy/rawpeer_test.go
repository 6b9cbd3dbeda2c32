package proxy

import (
	"context"
	"io"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/sidecast/sidecast/proxy/wsframe"
)

// rawPair is one session through the proxy with both ends held as raw
// sockets: the client end and the backend's accepted end. Benchmarks and the
// alloc test drive it with pre-encoded frames, so the only code allocating
// could be the proxy's.
type rawPair struct {
	client, backend net.Conn
}

// rawBackend accepts WebSocket connections on a loopback listener and hands
// each upgraded socket over without starting a goroutine per connection.
type rawBackend struct {
	ln       net.Listener
	greeting []byte // written right after the upgrade when set (an Engine.IO open packet)
	conns    chan net.Conn
	done     chan struct{}
}

func newRawBackend(t testing.TB) *rawBackend { return newGreetingRawBackend(t, nil) }

func newGreetingRawBackend(t testing.TB, greeting []byte) *rawBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rb := &rawBackend{ln: ln, greeting: greeting, conns: make(chan net.Conn, 1024), done: make(chan struct{})}
	go rb.acceptLoop()
	t.Cleanup(func() {
		ln.Close()
		<-rb.done
		close(rb.conns)
		for c := range rb.conns {
			c.Close()
		}
	})
	return rb
}

func (rb *rawBackend) url() *url.URL { return &url.URL{Scheme: "http", Host: rb.ln.Addr().String()} }

// acceptLoop upgrades (and greets) connections one at a time on the
// listener's goroutine.
func (rb *rawBackend) acceptLoop() {
	defer close(rb.done)
	for {
		c, err := rb.ln.Accept()
		if err != nil {
			return
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := ws.Upgrade(c); err != nil {
			c.Close()
			continue
		}
		if _, err := c.Write(rb.greeting); len(rb.greeting) > 0 && err != nil {
			c.Close()
			continue
		}
		c.SetDeadline(time.Time{})
		rb.conns <- c
	}
}

// open dials one session through the proxy at base and returns both ends.
func (rb *rawBackend) open(t testing.TB, base string) rawPair {
	t.Helper()
	client, br, _, err := ws.Dial(context.Background(), wsURL(base, "/"))
	if err != nil {
		t.Fatal(err)
	}
	if br != nil {
		t.Fatal("read-ahead on a raw client")
	}
	select {
	case backend := <-rb.conns:
		t.Cleanup(func() {
			client.Close()
			backend.Close()
		})
		return rawPair{client: client, backend: backend}
	case <-time.After(10 * time.Second):
		t.Fatal("backend never saw the session")
	}
	return rawPair{}
}

// relayer pushes one pre-encoded 1 KiB message through a pair and reads it
// whole at the far end, allocating nothing itself.
type relayer struct {
	pair     rawPair
	toBack   []byte // masked client frame
	toClient []byte // unmasked server frame
	buf      []byte
}

func newRelayer(pair rawPair, size int) *relayer {
	p := make([]byte, size)
	for i := range p {
		p[i] = byte('a' + i%26)
	}
	return &relayer{
		pair:     pair,
		toBack:   wsframe.AppendFrame(nil, ws.OpBinary, true, p, true),
		toClient: wsframe.AppendFrame(nil, ws.OpBinary, true, p, false),
		buf:      make([]byte, size+wsframe.MaxHeaderSize),
	}
}

// clientToBackend: the backend receives the message masked (sidecast is its
// websocket client), header included: as many bytes as the client sent.
// Reading less would leave the mask keys' bytes behind, and the reads would
// run ahead of the relay instead of waiting for it.
func (r *relayer) clientToBackend() error {
	if _, err := r.pair.client.Write(r.toBack); err != nil {
		return err
	}
	_, err := io.ReadFull(r.pair.backend, r.buf[:len(r.toBack)])
	return err
}

// backendToClient: the client receives it unmasked, exactly as sent.
func (r *relayer) backendToClient() error {
	if _, err := r.pair.backend.Write(r.toClient); err != nil {
		return err
	}
	_, err := io.ReadFull(r.pair.client, r.buf[:len(r.toClient)])
	return err
}
