package wschat_test

import (
	"encoding/json"
	"testing"

	"github.com/sidecast/sidecast/examples/wschat"
)

// FuzzParseMessage: any input either fails or yields a message that
// re-encodes and parses to itself.
func FuzzParseMessage(f *testing.F) {
	f.Add([]byte(`{"type":"join","room":"r"}`))
	f.Fuzz(func(t *testing.T, p []byte) {
		m, err := wschat.ParseMessage(p)
		if err != nil {
			return
		}
		if m.Type == "" || m.Room == "" {
			t.Fatalf("accepted %q without type or room", p)
		}
		again, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := wschat.ParseMessage(again)
		if err != nil || !equal(m, m2) {
			t.Fatalf("round trip of %q: %+v, %v", p, m2, err)
		}
	})
}
