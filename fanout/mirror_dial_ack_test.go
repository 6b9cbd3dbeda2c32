package fanout

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/internal/testkit"
	"github.com/sidecast/sidecast/proxy"
)

// heldBackend is a Socket.IO backend that completes each websocket
// upgrade only when released, then answers every CONNECT: the mirror's
// dial lasts as long as a test wants.
type heldBackend struct {
	ln      net.Listener
	release chan struct{}
}

func startHeldBackend(t *testing.T) *heldBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &heldBackend{ln: ln, release: make(chan struct{})}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				b.serve(t, conn)
			}()
		}
	}()
	return b
}

func (b *heldBackend) serve(t *testing.T, conn net.Conn) {
	<-b.release
	if _, err := ws.Upgrade(conn); err != nil {
		t.Errorf("held backend: upgrade: %v", err)
		return
	}
	open := `0{"sid":"held","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`
	if err := wsutil.WriteServerText(conn, []byte(open)); err != nil {
		return
	}
	for {
		p, err := wsutil.ReadClientText(conn)
		if err != nil {
			return // the mirror closed at the test's end
		}
		if strings.HasPrefix(string(p), "40") {
			_ = wsutil.WriteServerText(conn, []byte(`40{"sid":"held-ns"}`))
		}
	}
}

// TestMirrorDialAcksOnce: a mirror acks its handshake when its dial is done,
// unless a membership packet came meanwhile — then only that packet's ack
// goes home, once its backend answered it, since acks are cumulative and
// home waits for that one already. In a connect storm the client's CONNECT
// reaches most peers while their mirror still dials (59 % of 1200 mirrors
// measured, docs/mirrors.md, What a connect costs): one bus message fewer
// per mirror.
func TestMirrorDialAcksOnce(t *testing.T) {
	tests := []struct {
		name          string
		connectDialed bool     // the CONNECT comes after the dial is done
		want          []uint64 // the acks home gets, in order
	}{
		{"connect while dialing", false, []uint64{2}},
		{"connect after the dial", true, []uint64{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			backend := startHeldBackend(t)
			hub := NewMemoryHub()
			busM, busH := newTestBus(t, hub, "m"), newTestBus(t, hub, "h")
			var mu sync.Mutex
			var acks []uint64
			subscribe(t, busH, NodeChannel("h"), func(env *Envelope) {
				if env.Kind == KindBarrierAck {
					mu.Lock()
					acks = append(acks, env.Seq)
					mu.Unlock()
				}
			})
			got := func() []uint64 {
				mu.Lock()
				defer mu.Unlock()
				return slices.Clone(acks)
			}
			reg, err := NewRegistry(busM, RegistryConfig{HeartbeatInterval: 50 * time.Millisecond, Logger: testLogger(nil)})
			if err != nil {
				t.Fatal(err)
			}
			if err := reg.Start(t.Context()); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = reg.Close() })
			px, err := proxy.New(proxy.Config{Protocol: proxy.ProtocolSocketIO,
				Backend: &url.URL{Scheme: "http", Host: backend.ln.Addr().String()}, Logger: testLogger(nil)})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = px.Close() })
			c := NewCluster(busM, reg, px, ClusterConfig{BarrierTimeout: 5 * time.Second, Logger: testLogger(nil)})
			if err := c.Start(t.Context()); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = c.Close() })

			sid := []byte("s1")
			publish := func(k Kind, seq uint64, payload []byte) {
				t.Helper()
				env := Envelope{Kind: k, Sender: []byte("h"), Epoch: busH.Epoch(), Session: sid, Seq: seq, Payload: payload}
				b, err := env.Append(nil)
				if err != nil {
					t.Fatal(err)
				}
				if err := busH.Publish(MembersChannel, b); err != nil {
					t.Fatal(err)
				}
			}
			publish(KindHandshake, 1, encodeHandshake(proxy.Handshake{Path: "/socket.io/", RawQuery: "EIO=4&transport=websocket", Header: http.Header{}}))
			queued := func() int {
				c.mu.Lock()
				m := c.mirrors[mirrorKey([]byte("h"), sid)]
				c.mu.Unlock()
				if m == nil {
					return -1
				}
				m.mu.Lock()
				defer m.mu.Unlock()
				return len(m.queue)
			}
			testkit.WaitUntil(t, 5*time.Second, "the mirror dials", func() bool { return queued() >= 0 })
			if tt.connectDialed {
				close(backend.release)
				testkit.WaitUntil(t, 5*time.Second, "the handshake's ack", func() bool { return len(got()) == 1 })
				publish(KindConnect, 2, appendUnit(nil, unitOf(`40{"userId":"u"}`)))
			} else {
				publish(KindConnect, 2, appendUnit(nil, unitOf(`40{"userId":"u"}`)))
				testkit.WaitUntil(t, 5*time.Second, "the CONNECT waits for the dial", func() bool { return queued() == 1 })
				close(backend.release)
			}
			// Acks from one publisher arrive in order: once the
			// CONNECT's is in, any ack of the handshake came before it.
			testkit.WaitUntil(t, 5*time.Second, "the CONNECT's ack", func() bool { return slices.Contains(got(), 2) })
			if a := got(); !slices.Equal(a, tt.want) {
				t.Fatalf("home got acks %v, want %v", a, tt.want)
			}
		})
	}
}
