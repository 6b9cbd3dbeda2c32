package proxy

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/siotest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// gatedBackend accepts connections for a backend and holds each one until
// it is piped to the backend or refused.
type gatedBackend struct {
	ln       net.Listener
	to       string
	accepted chan net.Conn
	mu       sync.Mutex
	conns    []net.Conn
}

func newGatedBackend(t *testing.T, backend string) *gatedBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &gatedBackend{ln: ln, to: backend, accepted: make(chan net.Conn, 4)}
	t.Cleanup(func() {
		ln.Close()
		g.mu.Lock()
		defer g.mu.Unlock()
		for _, c := range g.conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			g.keep(c)
			g.accepted <- c
		}
	}()
	return g
}

func (g *gatedBackend) keep(c net.Conn) {
	g.mu.Lock()
	g.conns = append(g.conns, c)
	g.mu.Unlock()
}

func (g *gatedBackend) url() *url.URL { return &url.URL{Scheme: "http", Host: g.ln.Addr().String()} }

// next waits for the next held connection (nil after 5 s).
func (g *gatedBackend) next() net.Conn {
	select {
	case c := <-g.accepted:
		return c
	case <-time.After(5 * time.Second):
		return nil
	}
}

// open pipes a held connection to the backend.
func (g *gatedBackend) open(c net.Conn) error {
	up, err := net.Dial("tcp", g.to)
	if err != nil {
		return err
	}
	g.keep(up)
	go func() { _, _ = io.Copy(up, c) }()
	go func() { _, _ = io.Copy(c, up) }()
	return nil
}

// TestEIOHandshakeReachesClusterBeforeBackendAnswers: the fan-out learns
// of a session (and publishes its handshake, so the peers dial their
// mirrors) while sidecast still dials its own backend; a session whose
// backend never answers is closed in the fan-out too.
func TestEIOHandshakeReachesClusterBeforeBackendAnswers(t *testing.T) {
	backend := siotest.StartServer(t)
	bu, err := url.Parse(backend.URL)
	if err != nil {
		t.Fatal(err)
	}
	gate := newGatedBackend(t, bu.Host)
	c := &passCluster{}
	srv, base := newProxy(t, gate.url(), func(cfg *Config) { cfg.Protocol = ProtocolSocketIO })
	srv.SetCluster(c)
	handshakes := func() (int, int) { c.mu.Lock(); defer c.mu.Unlock(); return len(c.hs), c.closed }

	t.Run("opened", func(t *testing.T) {
		// The backend's answer waits until the fan-out has the session.
		early := make(chan bool, 1)
		go func() {
			held := gate.next()
			if held == nil {
				early <- false
				return
			}
			deadline := time.Now().Add(5 * time.Second)
			n, closed := handshakes()
			for n == 0 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond) // polling a condition with a deadline
				n, closed = handshakes()
			}
			early <- n == 1 && closed == 0
			if err := gate.open(held); err != nil {
				held.Close()
			}
		}()
		conn := wsConnect(t, base, "early")
		if !<-early {
			t.Fatal("the fan-out got no handshake while the backend was held")
		}
		wsAlive(t, conn)
		conn.Close()
		testkit.WaitUntil(t, 5*time.Second, "the session ends", func() bool { _, closed := handshakes(); return closed == 1 })
	})

	t.Run("backend refuses", func(t *testing.T) {
		var wg sync.WaitGroup
		wg.Add(1)
		status := 0
		go func() {
			defer wg.Done()
			status, _, _ = eioDo(t, http.MethodGet, eioURL(base, "transport=polling"), "", nil)
		}()
		if held := gate.next(); held != nil {
			held.Close()
		}
		wg.Wait()
		if status < 500 {
			t.Fatalf("handshake answered %d with its backend gone", status)
		}
		testkit.WaitUntil(t, 5*time.Second, "the fan-out session ends", func() bool { n, closed := handshakes(); return n == 2 && closed == 2 })
	})
}
