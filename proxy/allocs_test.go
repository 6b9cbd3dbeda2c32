//go:build !race

package proxy

import "testing"

// TestRelayAllocatesNothing proves the steady-state relay path allocates
// nothing in either direction. (The race detector allocates on its own, hence
// the build tag.)
func TestRelayAllocatesNothing(t *testing.T) {
	rb := newRawBackend(t)
	_, base := newProxy(t, rb.url(), nil)
	r := newRelayer(rb.open(t, base), 1024)
	for range 200 {
		if err := r.clientToBackend(); err != nil {
			t.Fatal(err)
		}
		if err := r.backendToClient(); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		f    func() error
	}{
		{"client to backend", r.clientToBackend},
		{"backend to client", r.backendToClient},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(2000, func() {
				if err := tc.f(); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Fatalf("%v allocations per relayed 1 KiB message, want 0", allocs)
			}
		})
	}
}
