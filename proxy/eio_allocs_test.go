//go:build !race

package proxy

import "testing"

// TestEIORelayAllocatesNothing proves the websocket-transport Engine.IO
// relay (Engine.IO parse, Socket.IO header read, backend ping handling
// aside) allocates nothing per event in either direction.
func TestEIORelayAllocatesNothing(t *testing.T) {
	p := newEIOBenchPair(t)
	tests := []struct {
		name string
		f    func() error
	}{
		{"client to backend", p.clientToBackend},
		{"backend to client", p.backendToClient},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
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
