package fanout

import (
	"strings"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/syncbuf"
	"github.com/sidecast/sidecast/proxy"
	"github.com/sidecast/sidecast/proxy/socketio"
)

// TestEchoDetector: identical frames from the home backend and a mirror
// within the window are counted per event name and logged once with a
// suggested entry; anything else is not an echo.
func TestEchoDetector(t *testing.T) {
	type seen struct {
		unit     string
		fromHome bool
		after    time.Duration
	}
	tests := []struct {
		name string
		in   []seen
		want map[string]uint64
	}{
		{"home then mirror", []seen{{`42["welcome",{}]`, true, 0}, {`42["welcome",{}]`, false, 0}}, map[string]uint64{"welcome": 1}},
		{"mirror then home", []seen{{`42["twin_online",{"u":1}]`, false, 0}, {`42["twin_online",{"u":1}]`, true, 0}}, map[string]uint64{"twin_online": 1}},
		{"same source twice", []seen{{`42["typing",{}]`, false, 0}, {`42["typing",{}]`, false, 0}}, map[string]uint64{}},
		{"different payloads", []seen{{`42["m",{"a":1}]`, true, 0}, {`42["m",{"a":2}]`, false, 0}}, map[string]uint64{}},
		{"outside the window", []seen{{`42["late",{}]`, true, 0}, {`42["late",{}]`, false, 80 * time.Millisecond}}, map[string]uint64{}},
		{"one echo per pair", []seen{{`42["w",{}]`, true, 0}, {`42["w",{}]`, false, 0}, {`42["w",{}]`, false, 0}}, map[string]uint64{"w": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs syncbuf.Buffer
			c := &Cluster{cfg: ClusterConfig{EchoWindow: 40 * time.Millisecond}.withDefaults(), echo: newEchoStats(testLogger(&logs)),
				ev: events{protocol: proxy.ProtocolSocketIO}}
			var ring echoRing
			var hdr socketio.Header
			for _, s := range tt.in {
				if s.after > 0 {
					time.Sleep(s.after) // the gap under test, not a wait for a condition
				}
				u := unitOf(s.unit)
				info := c.ev.classify(u, &hdr)
				ring.seen(c, u, &info, s.fromHome)
			}
			got := c.echo.snapshot()
			if len(got) != len(tt.want) {
				t.Fatalf("echoes %v, want %v", got, tt.want)
			}
			for name, n := range tt.want {
				if got[name] != n {
					t.Fatalf("echoes %v, want %v", got, tt.want)
				}
				if !strings.Contains(logs.String(), "LOCAL_EVENTS="+name) {
					t.Fatalf("no suggestion for %s logged: %s", name, logs.String())
				}
			}
		})
	}
}
