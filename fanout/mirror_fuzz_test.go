package fanout

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/gobwas/ws"

	"github.com/sidecast/sidecast/proxy"
)

// FuzzDecodeUnit: any bytes decode or fail cleanly, and what decodes
// encodes back to the same bytes.
func FuzzDecodeUnit(f *testing.F) {
	f.Add(appendUnit(nil, unitOf(`42["join",{}]`)))
	f.Add(appendUnit(nil, unitOf(`451-["photo",{"_placeholder":true,"num":0}]`, "\x00\x01")))
	f.Add([]byte{1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var u proxy.Unit
		if decodeUnit(b, &u) != nil {
			return
		}
		if again := appendUnit(nil, u); !bytes.Equal(again, b) && canonicalVarints(b) {
			t.Fatalf("round trip %x → %x", b, again)
		}
	})
}

// canonicalVarints reports whether re-encoding could reproduce b: a unit
// whose varints are not minimal decodes but encodes shorter.
func canonicalVarints(b []byte) bool {
	var u proxy.Unit
	_ = decodeUnit(b, &u)
	return len(appendUnit(nil, u)) == len(b)
}

// FuzzDecodeSnapshot: snapshots and the handshakes inside them decode or
// fail cleanly, never panic; what decodes re-encodes to an equal handshake.
func FuzzDecodeSnapshot(f *testing.F) {
	hs := encodeHandshake(proxy.Handshake{Path: "/socket.io/", RawQuery: "EIO=4&transport=websocket",
		Header: http.Header{"Cookie": {"a=b"}, "X-Forwarded-For": {"10.0.0.1"}}})
	f.Add(appendSnapshot(nil, hs, []logEntry{{kind: KindConnect, unit: appendUnit(nil, unitOf(`40`))}}))
	f.Add(appendSnapshot(nil, hs, nil))
	f.Add([]byte{0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		raw, units, err := decodeSnapshot(b)
		if err != nil {
			return
		}
		for _, u := range units {
			var out proxy.Unit
			_ = decodeUnit(u, &out)
		}
		h, err := decodeHandshake(raw)
		if err != nil {
			return
		}
		h2, err := decodeHandshake(encodeHandshake(h))
		if err != nil || h2.Path != h.Path || h2.RawQuery != h.RawQuery || len(h2.Header) != len(h.Header) {
			t.Fatalf("handshake round trip: %+v → %+v (%v)", h, h2, err)
		}
	})
}

// FuzzJSONField: the scanner never panics and finds what it returns inside
// the input.
func FuzzJSONField(f *testing.F) {
	for _, s := range []string{`{"type":"join","room":"r"}`, `{"a":[1,{"b":"}"}],"type":7}`, `["ev",{"from":"system"}]`, `{"type":`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if v, ok := jsonField(b, "type"); ok && !bytes.Contains(b, v) {
			t.Fatalf("value %q is not in the input", v)
		}
		if args := eventArgs(b); args != nil && !bytes.Contains(b, args) {
			t.Fatalf("args %q are not in the input", args)
		}
		var ev events
		ev.protocol, ev.field = proxy.ProtocolWebSocket, "type"
		info := ev.classify(proxy.Unit{Op: ws.OpText, Parts: [][]byte{b}}, nil)
		_ = ev.isLocal(&info)
	})
}
