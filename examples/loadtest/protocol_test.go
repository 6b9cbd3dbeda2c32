package main

import (
	"testing"
	"time"
)

func TestParseText(t *testing.T) {
	tests := []struct {
		name  string
		frame string
		k     int
		ts    int64
		ok    bool
	}{
		{"socketio", `42["new_message",{"id":3,"twinPairId":"p1","from":"u1a","text":"17.123456","timestamp":"x"}]`, 17, 123456, true},
		{"wschat", `{"type":"said","room":"p1","from":"u1a","text":"0.5xxxx"}`, 0, 5, true},
		{"no text", `{"type":"joined","room":"p1"}`, 0, 0, false},
		{"no dot", `{"text":"17"}`, 0, 0, false},
		{"not digits", `{"text":"hello.world"}`, 0, 0, false},
		{"empty", ``, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, ts, ok := parseText([]byte(tt.frame))
			if k != tt.k || ts != tt.ts || ok != tt.ok {
				t.Errorf("parseText = %d, %d, %v; want %d, %d, %v", k, ts, ok, tt.k, tt.ts, tt.ok)
			}
		})
	}
}

// TestSendRoundTrip holds that what a sender writes is what a receiver
// parses, for both protocols.
func TestSendRoundTrip(t *testing.T) {
	for _, name := range []string{"socketio", "websocket"} {
		t.Run(name, func(t *testing.T) {
			r := &runner{cfg: config{Pairs: 3}}
			c := newClient(r, 2, 1)
			text := appendText(nil, 41, 987*time.Microsecond, 8)
			frame := newProtocol(name).appendSend(nil, c, text)
			k, ts, ok := parseText(frame)
			if !ok || k != 41 || ts != 987000 {
				t.Errorf("%s: parsed %d, %d, %v from %q", name, k, ts, ok, frame)
			}
		})
	}
}

func FuzzParseText(f *testing.F) {
	f.Add([]byte(`{"text":"17.123456"}`))
	f.Add([]byte(`42["new_message",{"text":"1.2"}]`))
	f.Fuzz(func(t *testing.T, p []byte) {
		k, ts, ok := parseText(p)
		if ok && (k < 0 || ts < 0) {
			t.Errorf("negative result %d, %d from %q", k, ts, p)
		}
	})
}
