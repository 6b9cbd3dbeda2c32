package fanout

import (
	"slices"
	"testing"
)

// TestAppendLog: the membership log keeps what is in effect, in order: a
// leave cancels its join, a namespace DISCONNECT drops the namespace, and
// the bound holds.
func TestAppendLog(t *testing.T) {
	ev := func(ns, name, args string) unitInfo {
		return unitInfo{kind: unitEvent, member: true, ns: []byte(ns), event: []byte(name), args: []byte(args)}
	}
	conn := func(ns string) unitInfo { return unitInfo{kind: unitConnect, member: true, ns: []byte(ns)} }
	disc := func(ns string) unitInfo { return unitInfo{kind: unitDisconnect, member: true, ns: []byte(ns)} }
	tests := []struct {
		name string
		in   []unitInfo
		max  int
		want []string // ns:name:args
		full bool
	}{
		{"connect and join", []unitInfo{conn("/"), ev("/", "join_twin_room", `{"r":1}`)}, 10,
			[]string{"/::", "/:join_twin_room:{\"r\":1}"}, false},
		{"leave cancels its join", []unitInfo{conn("/"), ev("/", "join_twin_room", `{"r":1}`), ev("/", "join_twin_room", `{"r":2}`),
			ev("/", "leave_twin_room", `{"r":1}`)}, 10, []string{"/::", "/:join_twin_room:{\"r\":2}"}, false},
		{"leave of another room stays", []unitInfo{ev("/", "join", `{"r":1}`), ev("/", "leave", `{"r":9}`)}, 10,
			[]string{"/:join:{\"r\":1}", "/:leave:{\"r\":9}"}, false},
		{"websocket leave names itself", []unitInfo{ev("/", "join", `{"type":"join","room":"r"}`), ev("/", "leave", `{"type":"leave","room":"r"}`)},
			10, nil, false},
		{"disconnect drops the namespace", []unitInfo{conn("/"), conn("/n"), ev("/n", "join", "1"), disc("/n")}, 10,
			[]string{"/::"}, false},
		{"bounded", []unitInfo{conn("/"), ev("/", "join", "1"), ev("/", "join", "2")}, 2,
			[]string{"/::", "/:join:1"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log []logEntry
			var full bool
			for i := range tt.in {
				var f bool
				log, f = appendLog(log, &tt.in[i], []byte{byte(i)}, tt.max)
				full = full || f
			}
			var got []string
			for _, e := range log {
				got = append(got, e.ns+":"+e.name+":"+e.args)
			}
			if !slices.Equal(got, tt.want) || full != tt.full {
				t.Fatalf("log %q (full %v), want %q (full %v)", got, full, tt.want, tt.full)
			}
		})
	}
}
