//go:build !race

package proxy

import "testing"

// TestEIORelayAllocatesNothing proves the websocket-transport Engine.IO
// relay (Engine.IO parse, Socket.IO header read, backend ping handling
// aside; with PROTOCOL=engineio the whole message) allocates nothing per
// event in either direction.
func TestEIORelayAllocatesNothing(t *testing.T) {
	for _, proto := range []Protocol{ProtocolSocketIO, ProtocolEngineIO} {
		p := newEIOBenchPair(t, proto)
		tests := []struct {
			name string
			f    func() error
		}{
			{"client to backend", p.clientToBackend},
			{"backend to client", p.backendToClient},
		}
		for _, tc := range tests {
			t.Run(string(proto)+" "+tc.name, func(t *testing.T) {
				allocs := testing.AllocsPerRun(2000, func() {
					if err := tc.f(); err != nil {
						t.Fatal(err)
					}
				})
				if allocs != 0 {
					t.Fatalf("%v allocations per relayed event, want 0", allocs)
				}
			})
		}
	}
}
