package fanout

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/sidecast/sidecast/proxy"
)

// countingHome is a client session that only counts what reaches it.
type countingHome struct{ got chan struct{} }

func (h *countingHome) WriteBackend(proxy.Unit) error { return nil }
func (h *countingHome) FlushBackend() error           { return nil }
func (h *countingHome) FlushClient() error            { return nil }
func (h *countingHome) Close(string)                  {}
func (h *countingHome) WriteClient(proxy.Unit) error {
	h.got <- struct{}{}
	return nil
}

// relayPath is one home session on node "a" and its mirror on node "b",
// joined by a memory bus: a mirror's unit goes through the relay (and the
// coalescer, when on), the bus, the home's handler and onto the client.
type relayPath struct {
	m    *mirror
	home *countingHome
}

func newRelayPath(tb testing.TB, window time.Duration) *relayPath {
	tb.Helper()
	hub := NewMemoryHub()
	cfg := ClusterConfig{CoalesceWindow: window, Logger: testLogger(nil)}
	side := func(id string) *Cluster {
		b, err := hub.NewBus(BusConfig{NodeID: id, SelfCheckInterval: -1, Logger: testLogger(nil)})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = b.Close() })
		reg, err := NewRegistry(b, RegistryConfig{}) // never started: no peers, so no barrier
		if err != nil {
			tb.Fatal(err)
		}
		px, err := proxy.New(proxy.Config{Protocol: proxy.ProtocolSocketIO, Backend: &url.URL{Scheme: "http", Host: "127.0.0.1:9"}})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = px.Close() })
		c := NewCluster(b, reg, px, cfg)
		tb.Cleanup(func() { _ = c.Close() })
		return c
	}
	a, b := side("a"), side("b")
	if err := a.Start(tb.Context()); err != nil {
		tb.Fatal(err)
	}
	p := &relayPath{home: &countingHome{got: make(chan struct{}, 1)}}
	hs := a.OpenSession(proxy.Handshake{Path: "/socket.io/", Header: http.Header{}}, p.home).(*homeSession)
	b.mu.Lock()
	p.m = b.newMirrorLocked("a/"+string(hs.id), "a", hs.id, 1)
	b.mu.Unlock()
	return p
}

// relayOne relays one event and waits until the client side has it.
func (p *relayPath) relayOne(u proxy.Unit) {
	p.m.MirrorUnit(u)
	if p.m.co != nil {
		p.m.co.flush()
	}
	<-p.home.got
}

var benchUnit = unitOf(`42["new_message",{"twinPairId":"r","from":"a","text":"hello there","id":7}]`)

// BenchmarkRelayMirrorToHome measures the mirror→bus→home→client path.
func BenchmarkRelayMirrorToHome(b *testing.B) {
	for _, tc := range []struct {
		name   string
		window time.Duration
	}{{"direct", -1}, {"coalescer", time.Hour}} {
		b.Run(tc.name, func(b *testing.B) {
			p := newRelayPath(b, tc.window)
			p.relayOne(benchUnit) // warm the pools
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				p.relayOne(benchUnit)
			}
		})
	}
}

// TestRelayMirrorToHomeAllocs: the relay path allocates nothing in steady
// state, with and without the coalescer.
func TestRelayMirrorToHomeAllocs(t *testing.T) {
	for _, window := range []time.Duration{-1, time.Hour} {
		p := newRelayPath(t, window)
		for range 10 {
			p.relayOne(benchUnit)
		}
		if n := testing.AllocsPerRun(500, func() { p.relayOne(benchUnit) }); n > 0 && !raceEnabled {
			t.Errorf("window %v: %.2f allocations per relayed frame, want 0", window, n)
		}
	}
}
