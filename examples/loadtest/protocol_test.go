package main

import (
	"errors"
	"slices"
	"strconv"
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

// TestEntry holds the spread of -entries: every pair's members on two
// different nodes (when there are two or more) and every node with the same
// number of clients, half of them a members.
func TestEntry(t *testing.T) {
	for _, nodes := range []int{1, 2, 3, 4} {
		t.Run(strconv.Itoa(nodes), func(t *testing.T) {
			entries := make([]string, nodes)
			for i := range entries {
				entries[i] = "http://n" + strconv.Itoa(i)
			}
			pairs := 12 * nodes
			load := map[string][2]int{}
			for p := 0; p < pairs; p++ {
				a, b := entry(entries, p, 0), entry(entries, p, 1)
				if nodes > 1 && a == b {
					t.Errorf("pair %d: both members on %s", p, a)
				}
				for member, e := range []string{a, b} {
					l := load[e]
					l[member]++
					load[e] = l
				}
			}
			for _, e := range entries {
				if got := load[e]; got != [2]int{pairs / nodes, pairs / nodes} {
					t.Errorf("%s has %d a members and %d b members, want %d of each", e, got[0], got[1], pairs/nodes)
				}
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		entries []string
		steady  int
		err     bool
	}{
		{"default", nil, []string{"http://127.0.0.1:3000"}, 0, false},
		{"a alone", []string{"-a", "http://h:1"}, []string{"http://h:1"}, 0, false},
		{"a and b", []string{"-a", "http://h:1", "-b", "http://h:2"}, []string{"http://h:1", "http://h:2"}, 0, false},
		{"entries", []string{"-entries", "http://h:1,http://h:2,http://h:3,http://h:4"},
			[]string{"http://h:1", "http://h:2", "http://h:3", "http://h:4"}, 0, false},
		{"entries and a", []string{"-entries", "http://h:1,http://h:2", "-a", "http://h:3"}, nil, 0, true},
		{"empty entry", []string{"-entries", "http://h:1,,http://h:2"}, nil, 0, true},
		{"not a URL", []string{"-entries", "h:1"}, nil, 0, true},
		{"steady", []string{"-steady-connects", "100", "-steady-rate", "50"}, []string{"http://127.0.0.1:3000"}, 100, false},
		{"steady rate 0", []string{"-steady-connects", "100", "-steady-rate", "0"}, nil, 0, true},
		{"negative steady", []string{"-steady-connects", "-1"}, nil, 0, true},
		{"negative settle", []string{"-settle", "-1s"}, nil, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseFlags(append([]string{"-quiet"}, tt.args...))
			if tt.err {
				if !errors.Is(err, errBadFlag) {
					t.Errorf("parseFlags(%q) = %v, want errBadFlag", tt.args, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseFlags(%q): %v", tt.args, err)
			}
			if !slices.Equal(c.Entries, tt.entries) || c.Steady != tt.steady {
				t.Errorf("parseFlags(%q): entries %q, steady %d; want %q, %d", tt.args, c.Entries, c.Steady, tt.entries, tt.steady)
			}
		})
	}
}
