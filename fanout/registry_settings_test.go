package fanout

import (
	"context"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
)

var recordTests = []struct {
	name    string
	payload string
	address string
	known   bool
}{
	{"earlier build: address only", "http://10.0.0.1:3000", "http://10.0.0.1:3000", false},
	{"earlier build: empty address", "", "", false},
	{"settings", "http://10.0.0.1:3000#event_field=type&protocol=websocket&sidecast=1", "http://10.0.0.1:3000", true},
	{"settings, no address", "#sidecast=1&protocol=socketio", "", true},
	{"a later settings version", "http://h:1#sidecast=2&protocol=x", "http://h:1", false},
	{"a fragment that is not settings", "http://h:1#top", "http://h:1", false},
	{"bad escape", "http://h:1#sidecast=1&protocol=%zz", "http://h:1", false},
}

// TestRecordPayload: the heartbeat payload carries the address and the
// settings; records of earlier builds read as the address with unknown
// settings, and the new payload still reads as a usable URL to a node of
// an earlier build, which takes the whole payload as the address.
func TestRecordPayload(t *testing.T) {
	for _, tt := range recordTests {
		t.Run(tt.name, func(t *testing.T) {
			addr, values, known := parseRecordPayload([]byte(tt.payload))
			if addr != tt.address || known != tt.known || (values != nil) != known {
				t.Fatalf("parse %q = %q %v %v; want %q known=%v", tt.payload, addr, values, known, tt.address, tt.known)
			}
		})
	}
	s := Settings{Protocol: "socketio", MirrorEvents: []string{"leave", "join", "join"}, LocalEvents: []string{"new_message@from=system"}, EventField: "type"}.withDefaults()
	p := recordPayload("http://10.0.0.1:3000", s)
	addr, values, known := parseRecordPayload(p)
	if addr != "http://10.0.0.1:3000" || !known || !reflect.DeepEqual(values, s.values()) {
		t.Fatalf("round trip: %q %v %v, want %v", addr, values, known, s.values())
	}
	if values[SettingMirrorEvents] != "join,leave" || values[SettingBusFormat] != "1" {
		t.Fatalf("lists are compared as sets, formats as numbers: %v", values)
	}
	u, err := url.Parse(string(p)) // what an earlier build forwards to
	if err != nil || u.Scheme != "http" || u.Host != "10.0.0.1:3000" || u.Path != "" || u.RawQuery != "" {
		t.Fatalf("an earlier build reads %q as %+v, %v", p, u, err)
	}
}

// FuzzParseRecordPayload: any payload parses without panicking, and
// settings that parse re-encode to the same values.
func FuzzParseRecordPayload(f *testing.F) {
	for _, tt := range recordTests {
		f.Add(tt.payload)
	}
	f.Fuzz(func(t *testing.T, payload string) {
		addr, values, known := parseRecordPayload([]byte(payload))
		if !known {
			return
		}
		again, values2, known2 := parseRecordPayload(recordPayloadValues(addr, values))
		if again != addr || !known2 || !reflect.DeepEqual(values, values2) {
			t.Fatalf("%q: re-encoded as %q %v %v", payload, again, values2, known2)
		}
	})
}

// recordPayloadValues encodes already canonical values, as recordPayload does.
func recordPayloadValues(addr string, values map[string]string) []byte {
	q := url.Values{settingsTag: {"1"}}
	for k, v := range values {
		q.Set(k, v)
	}
	return []byte(addr + "#" + q.Encode())
}

// TestRegistrySettings: nodes that disagree on a setting that refuses a
// peer (protocol, bus or mirror format) stay out of each other's peers;
// those that disagree on events or the event field stay peers; both list
// the disagreement with both values, and forget it when the other leaves.
func TestRegistrySettings(t *testing.T) {
	base := Settings{Protocol: "websocket", MirrorEvents: []string{"join", "leave"}, LocalEvents: []string{"joined"}, EventField: "type"}
	tests := []struct {
		name    string
		b       func(s Settings) Settings
		want    []Mismatch // as node-a lists them
		isPeers bool
	}{
		{"same", func(s Settings) Settings { return s }, nil, true},
		{"same events, other order", func(s Settings) Settings { s.MirrorEvents = []string{"leave", "join"}; return s }, nil, true},
		{"mirror events", func(s Settings) Settings { s.MirrorEvents = []string{"join"}; return s },
			[]Mismatch{{Peer: "node-b", Setting: SettingMirrorEvents, Here: "join,leave", There: "join"}}, true},
		{"protocol", func(s Settings) Settings { s.Protocol = "socketio"; return s },
			[]Mismatch{{Peer: "node-b", Setting: SettingProtocol, Here: "websocket", There: "socketio", Refused: true}}, false},
		{"bus format", func(s Settings) Settings { s.BusFormat = 2; return s },
			[]Mismatch{{Peer: "node-b", Setting: SettingBusFormat, Here: "1", There: "2", Refused: true}}, false},
		{"mirror format and event field", func(s Settings) Settings { s.MirrorFormat = 9; s.EventField = "kind"; return s },
			[]Mismatch{{Peer: "node-b", Setting: SettingMirrorFormat, Here: "1", There: "9", Refused: true},
				{Peer: "node-b", Setting: SettingEventField, Here: "type", There: "kind", Refused: true}}, false},
	}
	for _, n := range networks(t) {
		for _, tt := range tests {
			t.Run(n.name+"/"+tt.name, func(t *testing.T) {
				var logA, logB eventLog
				ra := startRegistryWith(t, n.bus(t, fastConfig("node-a")), RegistryConfig{Settings: base}, &logA)
				rb := startRegistryWith(t, n.bus(t, fastConfig("node-b")), RegistryConfig{Settings: tt.b(base)}, &logB)
				// Either outcome of b's first record: a peer, or a listed
				// disagreement (which a refused node never turns into a peer).
				testkit.WaitUntil(t, 5*time.Second, "a to see b's record", func() bool {
					return len(ra.Peers()) == 1 || len(ra.Mismatches()) > 0
				})
				got := ra.Mismatches()
				if len(tt.want) == 0 {
					got = nil
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("a lists %+v, want %+v", got, tt.want)
				}
				if isPeer := len(ra.Peers()) == 1; isPeer != tt.isPeers {
					t.Fatalf("b is a peer of a: %v, want %v", isPeer, tt.isPeers)
				}
				if _, _, up := logA.find(PeerUp, "node-b"); up != tt.isPeers {
					t.Fatalf("a announced b up: %v, want %v", up, tt.isPeers)
				}
				if len(tt.want) > 0 {
					testkit.WaitUntil(t, 5*time.Second, "b to list a's settings too", func() bool { return len(rb.Mismatches()) == len(tt.want) })
				}
				_ = rb.Close()
				testkit.WaitUntil(t, 5*time.Second, "a to forget b once it left", func() bool {
					return len(ra.Mismatches()) == 0 && len(ra.Peers()) == 0
				})
			})
		}
	}
}

// TestRegistryAcceptsEarlierBuild: a record of a build before settings
// were announced (the payload is the address alone) still makes a peer,
// with its address intact and no disagreement listed.
func TestRegistryAcceptsEarlierBuild(t *testing.T) {
	n := &network{name: "memory", hub: NewMemoryHub()}
	var log eventLog
	ra := startRegistryWith(t, n.bus(t, fastConfig("node-a")), RegistryConfig{Settings: Settings{Protocol: "websocket"}}, &log)
	old := n.bus(t, fastConfig("old-node"))
	env := Envelope{Kind: KindHeartbeat, Sender: []byte("old-node"), Epoch: old.Epoch(), Payload: []byte("http://10.0.0.9:3000")}
	rec, err := env.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := old.PutPresence(context.Background(), "old-node", rec, time.Minute); err != nil {
		t.Fatal(err)
	}
	testkit.WaitUntil(t, 5*time.Second, "the earlier build to be a peer", func() bool { return len(ra.Peers()) == 1 })
	if p := ra.Peers()[0]; p.ID != "old-node" || p.Address != "http://10.0.0.9:3000" {
		t.Fatalf("peer %+v", p)
	}
	if ms := ra.Mismatches(); len(ms) != 0 {
		t.Fatalf("an earlier build's unknown settings listed as %+v", ms)
	}
}
