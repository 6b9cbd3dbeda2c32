package proxy

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/sidecast/sidecast/proxy/wsframe"
)

// BenchmarkRelaySocketIOEvent relays one Socket.IO event over the
// websocket transport through real loopback sockets, the Engine.IO relay
// and the Socket.IO header reader, one event in flight at a time.
func BenchmarkRelaySocketIOEvent(b *testing.B) { benchRelayEIO(b, ProtocolSocketIO) }

// BenchmarkRelayEngineIOMessage is BenchmarkRelaySocketIOEvent with
// PROTOCOL=engineio: the same frames, relayed as whole Engine.IO messages.
func BenchmarkRelayEngineIOMessage(b *testing.B) { benchRelayEIO(b, ProtocolEngineIO) }

func benchRelayEIO(b *testing.B, proto Protocol) {
	p := newEIOBenchPair(b, proto)
	b.Run("client_to_backend", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := p.clientToBackend(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("backend_to_client", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := p.backendToClient(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSocketIOPollingRoundTrip is one long-polling round trip: the
// client POSTs an event that reaches the backend, the backend answers with
// an event that the client's GET returns. Allocations include the Go HTTP
// client's and server's own, which dominate.
func BenchmarkSocketIOPollingRoundTrip(b *testing.B) {
	rb := newEIORawBackend(b)
	_, base := newProxy(b, rb.url(), func(c *Config) { c.Protocol = ProtocolSocketIO })
	hs := pollOpen(b, base)
	backend := rb.next(b)
	client := &http.Client{Timeout: 10 * time.Second}
	url := eioURL(base, "transport=polling&sid="+hs.SID)
	event := `42["send_message",{"twinPairId":"pair-1","text":"hello"}]`
	reply := wsframe.AppendFrame(nil, ws.OpText, true, []byte(`42["new_message",{"id":1,"text":"hello"}]`), false)
	buf := make([]byte, 256)
	body := strings.NewReader(event)
	var out bytes.Buffer
	roundTrip := func() {
		body.Reset(event)
		resp, err := client.Post(url, "text/plain;charset=UTF-8", body)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if _, err := io.ReadFull(backend, buf[:len(event)+2]); err != nil {
			b.Fatal(err)
		}
		if _, err := backend.Write(reply); err != nil {
			b.Fatal(err)
		}
		resp, err = client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		out.Reset()
		_, _ = out.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.HasPrefix(out.Bytes(), []byte(`42["new_message"`)) {
			b.Fatalf("GET answered %d %q", resp.StatusCode, out.Bytes())
		}
	}
	for range 50 {
		roundTrip()
	}
	b.ReportAllocs()
	for b.Loop() {
		roundTrip()
	}
}
