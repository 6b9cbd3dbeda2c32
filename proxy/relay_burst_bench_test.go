package proxy

import (
	"io"
	"testing"
)

// BenchmarkRelayBurst relays one 128-byte message on each of 32 sessions at
// once, client to backend, the shape of a chat server's traffic: many
// connections ready in one poller wake-up, few bytes each. One op is one
// message.
func BenchmarkRelayBurst32x128B(b *testing.B) {
	const sessions = 32
	rb := newRawBackend(b)
	_, base := newProxy(b, rb.url(), nil)
	rs := make([]*relayer, sessions)
	for i := range rs {
		rs[i] = newRelayer(rb.open(b, base), 128)
	}
	burst := func() {
		for _, r := range rs {
			if _, err := r.pair.client.Write(r.toBack); err != nil {
				b.Fatal(err)
			}
		}
		for _, r := range rs {
			if _, err := io.ReadFull(r.pair.backend, r.buf[:len(r.toBack)]); err != nil {
				b.Fatal(err)
			}
		}
	}
	for range 20 { // warm the pools
		burst()
	}
	b.SetBytes(128)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += sessions {
		burst()
	}
}
