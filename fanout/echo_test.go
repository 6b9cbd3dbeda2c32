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
		name    string
		in      []seen
		want    map[string]uint64
		suggest string // the LOCAL_EVENTS entry logged, when one is
	}{
		{"home then mirror", []seen{{`42["welcome",{}]`, true, 0}, {`42["welcome",{}]`, false, 0}}, map[string]uint64{"welcome": 1}, "welcome"},
		{"mirror then home", []seen{{`42["twin_online",{"u":1}]`, false, 0}, {`42["twin_online",{"u":1}]`, true, 0}}, map[string]uint64{"twin_online": 1}, "twin_online"},
		{"same source twice", []seen{{`42["typing",{}]`, false, 0}, {`42["typing",{}]`, false, 0}}, map[string]uint64{}, ""},
		{"different payloads", []seen{{`42["m",{"a":1}]`, true, 0}, {`42["m",{"a":2}]`, false, 0}}, map[string]uint64{}, ""},
		{"outside the window", []seen{{`42["late",{}]`, true, 0}, {`42["late",{}]`, false, 80 * time.Millisecond}}, map[string]uint64{}, ""},
		{"one echo per pair", []seen{{`42["w",{}]`, true, 0}, {`42["w",{}]`, false, 0}, {`42["w",{}]`, false, 0}}, map[string]uint64{"w": 1}, "w"},
		// A bot notice on the event that is also the chat: the suggestion
		// separates them by the sender (the same in both echoes), a bare
		// name would drop chat.
		{"bot notice on the chat event", []seen{
			{`42["message",{"username":"ChatBot","message":"alice joined"}]`, true, 0},
			{`42["message",{"username":"ChatBot","message":"alice joined"}]`, false, 0},
			{`42["message",{"username":"ChatBot","message":"bob joined"}]`, false, 0},
			{`42["message",{"username":"ChatBot","message":"bob joined"}]`, true, 0},
		}, map[string]uint64{"message": 2}, "message@username=ChatBot"},
		// Each backend's copy names the socket id that backend gave the
		// joiner: the copies differ only in that id. The sender changes
		// from one echo to the next: the bare name is the entry.
		{"copies differ in a socket id", []seen{
			{`42["user joined",{"username":"bob","id":"mA4pXbJ0q1sVb9YtAAAB","numUsers":2}]`, true, 0},
			{`42["user joined",{"username":"bob","id":"Zr8kW2n5TqLc0eFgAAAD","numUsers":2}]`, false, 0},
			{`42["user joined",{"username":"cy","id":"Q0dbBv7sKx2Lw9PaAAAF","numUsers":3}]`, false, 0},
			{`42["user joined",{"username":"cy","id":"nG5hT1yR8cVz3XuEAAAH","numUsers":3}]`, true, 0},
		}, map[string]uint64{"user joined": 2}, "user joined"},
		{"copies differ in a UUID", []seen{
			{`42["presence",{"conn":"6f1c2a9e-3b7d-4e2a-9c11-0a5b7e3d2f10","online":true}]`, true, 0},
			{`42["presence",{"conn":"a0b93c1d-77e2-4f60-8d3b-5c2e91f0aa47","online":true}]`, false, 0},
		}, map[string]uint64{"presence": 1}, "presence"},
		{"copies differ in a word", []seen{
			{`42["said",{"from":"ann","text":"hello"}]`, true, 0},
			{`42["said",{"from":"ann","text":"world"}]`, false, 0},
		}, map[string]uint64{}, ""},
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
				if want := `suggested="LOCAL_EVENTS=` + tt.suggest + `"`; !strings.Contains(logs.String(), want) {
					t.Fatalf("for %s, want %s logged: %s", name, want, logs.String())
				}
			}
		})
	}
}

// BenchmarkEchoSeen: what the echo detector costs each frame a session
// gets (home or relayed): a typical chat message with a socket id in it.
func BenchmarkEchoSeen(b *testing.B) {
	c := &Cluster{cfg: ClusterConfig{}.withDefaults(), echo: newEchoStats(testLogger(nil)),
		ev: events{protocol: proxy.ProtocolSocketIO}}
	u := unitOf(`42["new_message",{"id":1234,"twinPairId":"pair-1","from":"u1","socket":"mA4pXbJ0q1sVb9YtAAAB","text":"hello, this is a chat message of a typical size"}]`)
	var hdr socketio.Header
	info := c.ev.classify(u, &hdr)
	var ring echoRing
	b.ReportAllocs()
	for b.Loop() {
		ring.seen(c, u, &info, true) // one source: no echo, the steady state
	}
}
