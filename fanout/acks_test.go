package fanout

import "testing"

// TestAckTable: ids come from one space whatever backend asked, each
// routes back once, and routes expire.
func TestAckTable(t *testing.T) {
	var tab ackTable
	const ttl = int64(1000)
	a := tab.add(ackRoute{node: "", id: 0, expires: 100 + ttl}, 100)
	b := tab.add(ackRoute{node: "n2", id: 0, expires: 100 + ttl}, 100) // the same backend id: no collision
	c := tab.add(ackRoute{node: "n3", id: 7, expires: 200 + ttl}, 200)
	if a == b || b == c || a == c {
		t.Fatalf("ids collide: %d %d %d", a, b, c)
	}
	tests := []struct {
		name string
		id   int64
		now  int64
		node string
		orig int64
		ok   bool
	}{
		{"home", a, 500, "", 0, true},
		{"home again", a, 500, "", 0, false},
		{"peer", b, 500, "n2", 0, true},
		{"unknown", 99, 500, "", 0, false},
		{"expired", c, 200 + ttl, "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := tab.take(tt.id, tt.now)
			if ok != tt.ok || (ok && (r.node != tt.node || r.id != tt.orig)) {
				t.Fatalf("take(%d) = %+v, %v; want node %q id %d, %v", tt.id, r, ok, tt.node, tt.orig, tt.ok)
			}
		})
	}
	// Expired routes are dropped when new ids are handed out.
	tab.add(ackRoute{expires: 1 << 62}, 5000)
	if len(tab.routes) != 1 {
		t.Fatalf("%d routes kept, want 1 (the others expired)", len(tab.routes))
	}
}
