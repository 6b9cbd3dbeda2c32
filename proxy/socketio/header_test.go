package socketio

import (
	"errors"
	"testing"
)

type headerWant struct {
	typ     PacketType
	att     int
	nsp     string
	id      int64
	event   string
	payload string
}

var headerTests = []struct {
	name string
	in   string
	want headerWant
	err  error
}{
	{"connect root", `0`, headerWant{Connect, 0, "/", NoID, "", ""}, nil},
	{"connect auth", `0{"userId":"u1"}`, headerWant{Connect, 0, "/", NoID, "", `{"userId":"u1"}`}, nil},
	{"connect nsp", `0/admin,{"token":"x"}`, headerWant{Connect, 0, "/admin", NoID, "", `{"token":"x"}`}, nil},
	{"connect nsp bare", `0/admin,`, headerWant{Connect, 0, "/admin", NoID, "", ""}, nil},
	{"connect nsp no comma", `0/admin`, headerWant{Connect, 0, "/admin", NoID, "", ""}, nil},
	{"disconnect nsp", `1/admin,`, headerWant{Disconnect, 0, "/admin", NoID, "", ""}, nil},
	{"event", `2["send_message",{"text":"hi"}]`, headerWant{Event, 0, "/", NoID, "send_message", `["send_message",{"text":"hi"}]`}, nil},
	{"event ack", `212["online_users"]`, headerWant{Event, 0, "/", 12, "online_users", `["online_users"]`}, nil},
	{"event nsp ack", `2/chat,7["x", 1]`, headerWant{Event, 0, "/chat", 7, "x", `["x", 1]`}, nil},
	{"event spaces", `2[ "x"]`, headerWant{Event, 0, "/", NoID, "x", `[ "x"]`}, nil},
	{"event escapes", `2["a\"b\\c\/\n\u00e9\ud83d\ude00"]`, headerWant{Event, 0, "/", NoID, "a\"b\\c/\né😀", `["a\"b\\c\/\n\u00e9\ud83d\ude00"]`}, nil},
	{"event number", `2[42,"x"]`, headerWant{Event, 0, "/", NoID, "42", `[42,"x"]`}, nil},
	{"ack", `33[{"ok":true}]`, headerWant{Ack, 0, "/", 3, "", `[{"ok":true}]`}, nil},
	{"binary event", `51-["send_photo",{"_placeholder":true,"num":0}]`, headerWant{BinaryEvent, 1, "/", NoID, "send_photo", `["send_photo",{"_placeholder":true,"num":0}]`}, nil},
	{"binary event nsp ack", `52-/admin,9["p",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, headerWant{BinaryEvent, 2, "/admin", 9, "p", `["p",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`}, nil},
	{"binary ack", `61-4[{"_placeholder":true,"num":0}]`, headerWant{BinaryAck, 1, "/", 4, "", `[{"_placeholder":true,"num":0}]`}, nil},
	{"connect error", `4{"message":"unauthorized"}`, headerWant{ConnectError, 0, "/", NoID, "", `{"message":"unauthorized"}`}, nil},
	{"empty", ``, headerWant{}, ErrEmptyPacket},
	{"type 7", `7`, headerWant{}, ErrUnknownType},
	{"binary no dash", `51["x"]`, headerWant{}, ErrBadAttachments},
	{"binary no count", `5-["x"]`, headerWant{}, ErrBadAttachments},
	{"binary huge count", `51234567890-["x"]`, headerWant{}, ErrBadAttachments},
	{"huge id", `299999999999999999999["x"]`, headerWant{}, ErrBadAckID},
	{"event no payload", `2`, headerWant{}, ErrBadPayload},
	{"event object", `2{"x":1}`, headerWant{}, ErrBadPayload},
	{"event empty array", `2[]`, headerWant{}, ErrBadPayload},
	{"event object first", `2[{}]`, headerWant{}, ErrBadPayload},
	{"event unterminated", `2["abc`, headerWant{}, ErrBadPayload},
	{"event bad escape", `2["a\x"]`, headerWant{}, ErrBadPayload},
	{"event reserved", `2["disconnect"]`, headerWant{}, ErrBadPayload},
	{"event control char", "2[\"a\nb\"]", headerWant{}, ErrBadPayload},
	{"ack without id", `3["x"]`, headerWant{}, ErrBadPayload},
	{"disconnect payload", `1{}`, headerWant{}, ErrBadPayload},
	{"connect array", `0[]`, headerWant{}, ErrBadPayload},
}

func TestHeaderParse(t *testing.T) {
	var h Header
	for _, tt := range headerTests {
		t.Run(tt.name, func(t *testing.T) {
			err := h.Parse([]byte(tt.in))
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			got := headerWant{h.Type, h.Attachments, string(h.Namespace), h.ID, string(h.Event), string(h.Payload)}
			if got != tt.want {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
			if back := h.AppendWithID(nil, h.ID); string(back) != tt.in {
				t.Fatalf("AppendWithID(same id) = %q, want %q", back, tt.in)
			}
		})
	}
}

func TestAppendWithID(t *testing.T) {
	tests := []struct{ in, want string }{
		{`2/chat,7["x"]`, `2/chat,123["x"]`},
		{`2["x"]`, `2123["x"]`},
		{`52-/a,9["p",{"_placeholder":true,"num":0}]`, `52-/a,123["p",{"_placeholder":true,"num":0}]`},
		{`312[1]`, `3123[1]`},
	}
	var h Header
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if err := h.Parse([]byte(tt.in)); err != nil {
				t.Fatal(err)
			}
			if got := h.AppendWithID(nil, 123); string(got) != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHeaderParseAllocs(t *testing.T) {
	pkts := [][]byte{
		[]byte(`2/chat,17["send_message",{"twinPairId":"p1","text":"hello"}]`),
		[]byte(`2["a\"b"]`), // escapes: the scratch buffer is reused after the first run
		[]byte(`51-["send_photo",{"_placeholder":true,"num":0}]`),
	}
	var h Header
	dst := make([]byte, 0, 128)
	allocs := testing.AllocsPerRun(1000, func() {
		for _, p := range pkts {
			if err := h.Parse(p); err != nil {
				t.Fatal(err)
			}
			dst = h.AppendWithID(dst[:0], 99)
		}
	})
	if allocs != 0 {
		t.Fatalf("Parse allocates %.1f times per run, want 0", allocs)
	}
}

func TestPacketTypeString(t *testing.T) {
	if BinaryAck.String() != "BINARY_ACK" || PacketType(8).String() != "PacketType(8)" {
		t.Fatalf("got %q, %q", BinaryAck.String(), PacketType(8).String())
	}
}

func BenchmarkHeaderParse(b *testing.B) {
	pkt := []byte(`2/chat,17["send_message",{"twinPairId":"p1","text":"hello there, this is a chat message"}]`)
	var h Header
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		if err := h.Parse(pkt); err != nil {
			b.Fatal(err)
		}
	}
}
