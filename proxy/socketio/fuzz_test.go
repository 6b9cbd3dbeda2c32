package socketio

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"
)

var parseErrors = []error{ErrEmptyPacket, ErrUnknownType, ErrBadAttachments, ErrBadAckID, ErrBadPayload}

// FuzzHeader checks that Parse never panics, returns only its sentinels,
// re-encodes the packet byte for byte, and finds the same event name a full
// JSON decoder finds whenever the payload is valid JSON.
func FuzzHeader(f *testing.F) {
	for _, tt := range headerTests {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(func(t *testing.T, pkt []byte) {
		var h Header
		err := h.Parse(pkt)
		if err != nil {
			for _, e := range parseErrors {
				if errors.Is(err, e) {
					return
				}
			}
			t.Fatalf("unexpected error %v", err)
		}
		if back := h.AppendWithID(nil, h.ID); !bytes.Equal(back, pkt) {
			t.Fatalf("AppendWithID = %q, want %q", back, pkt)
		}
		checkNewID(t, &h)
		if !h.Type.IsEvent() || !json.Valid(h.Payload) {
			return
		}
		var arr []json.RawMessage
		if json.Unmarshal(h.Payload, &arr) != nil || len(arr) == 0 {
			t.Fatalf("valid JSON payload %q is not a non-empty array", h.Payload)
		}
		var name string
		if json.Unmarshal(arr[0], &name) == nil && utf8.Valid(arr[0]) && name != string(h.Event) {
			t.Fatalf("event %q, json says %q", h.Event, name)
		}
	})
}

// checkNewID re-parses the packet with another ack id and expects the same
// header apart from the id.
func checkNewID(t *testing.T, h *Header) {
	t.Helper()
	if h.Type == Ack || h.Type == BinaryAck {
		return // an ack needs its id; NoID would make it invalid
	}
	want := headerWant{h.Type, h.Attachments, string(h.Namespace), 77, string(h.Event), string(h.Payload)}
	var h2 Header
	out := h.AppendWithID(nil, 77)
	if err := h2.Parse(out); err != nil {
		t.Fatalf("with new id %q: %v", out, err)
	}
	got := headerWant{h2.Type, h2.Attachments, string(h2.Namespace), h2.ID, string(h2.Event), string(h2.Payload)}
	if got != want {
		t.Fatalf("with new id %q: got %+v, want %+v", out, got, want)
	}
}
