package proxy

import "testing"

// The relay benchmarks push 1 KiB messages through real loopback sockets and
// the real relay loop (poller, workers, decoder, write queue), one message in
// flight at a time.

func BenchmarkRelayClientToBackend1KiB(b *testing.B) {
	r := benchRelayer(b)
	b.SetBytes(1024)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := r.clientToBackend(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRelayBackendToClient1KiB(b *testing.B) {
	r := benchRelayer(b)
	b.SetBytes(1024)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := r.backendToClient(); err != nil {
			b.Fatal(err)
		}
	}
}

func benchRelayer(b *testing.B) *relayer {
	b.Helper()
	rb := newRawBackend(b)
	_, base := newProxy(b, rb.url(), nil)
	r := newRelayer(rb.open(b, base), 1024)
	for range 100 { // warm the pools
		if err := r.clientToBackend(); err != nil {
			b.Fatal(err)
		}
		if err := r.backendToClient(); err != nil {
			b.Fatal(err)
		}
	}
	return r
}
