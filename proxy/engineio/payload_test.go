package engineio

import (
	"bytes"
	"errors"
	"testing"
)

type wantPacket struct {
	typ    PacketType
	binary bool
	data   string
}

var payloadTests = []struct {
	name string
	in   string
	want []wantPacket
	err  error
}{
	{"one message", `4hello`, []wantPacket{{Message, false, "hello"}}, nil},
	{"three", "4a\x1e2\x1e6", []wantPacket{{Message, false, "a"}, {Ping, false, ""}, {Noop, false, ""}}, nil},
	{"binary", "bAAEC", []wantPacket{{Message, true, "\x00\x01\x02"}}, nil},
	{"mixed", "451-[\"photo\",{\"_placeholder\":true,\"num\":0}]\x1ebAQID", []wantPacket{
		{Message, false, `51-["photo",{"_placeholder":true,"num":0}]`}, {Message, true, "\x01\x02\x03"}}, nil},
	{"empty binary", "b", []wantPacket{{Message, true, ""}}, nil},
	{"close", "1", []wantPacket{{Close, false, ""}}, nil},
	{"empty payload", "", nil, ErrEmptyPacket},
	{"empty record", "4a\x1e\x1e4b", []wantPacket{{Message, false, "a"}}, ErrEmptyPacket},
	{"trailing separator", "4a\x1e", []wantPacket{{Message, false, "a"}}, ErrEmptyPacket},
	{"bad type", "9x", nil, ErrUnknownPacketType},
	{"bad base64", "b!!!!", nil, ErrBadBase64},
	{"short base64", "bAAE", nil, ErrBadBase64},
}

func decodeAll(t *testing.T, payload []byte) ([]wantPacket, error) {
	t.Helper()
	var d PayloadDecoder
	d.Reset(payload)
	var got []wantPacket
	for {
		p, ok, err := d.Next()
		if err != nil {
			return got, err
		}
		if !ok {
			return got, nil
		}
		got = append(got, wantPacket{p.Type, p.Binary, string(p.Data)})
	}
}

func TestPayloadDecoder(t *testing.T) {
	for _, tt := range payloadTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeAll(t, []byte(tt.in))
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d packets %+v, want %+v", len(got), got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("packet %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestAppendPayloadRoundTrip(t *testing.T) {
	for _, tt := range payloadTests {
		if tt.err != nil {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			var enc []byte
			for _, w := range tt.want {
				enc = AppendPayloadPacket(enc, Packet{Type: w.typ, Binary: w.binary, Data: []byte(w.data)})
			}
			if string(enc) != tt.in {
				t.Fatalf("encoded %q, want %q", enc, tt.in)
			}
		})
	}
}

func TestPayloadAllocs(t *testing.T) {
	src := []byte("42[\"send_message\",{\"text\":\"hi\"}]\x1e2\x1ebAAECAwQF")
	buf := make([]byte, len(src))
	out := make([]byte, 0, 256)
	var d PayloadDecoder
	allocs := testing.AllocsPerRun(1000, func() {
		copy(buf, src)
		d.Reset(buf)
		out = out[:0]
		for {
			p, ok, err := d.Next()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			out = AppendPayloadPacket(out, p)
		}
	})
	if allocs != 0 {
		t.Fatalf("decode+encode allocates %.1f times, want 0", allocs)
	}
	if !bytes.Equal(out, src) {
		t.Fatalf("round trip %q, want %q", out, src)
	}
}

func BenchmarkPayloadDecode(b *testing.B) {
	src := []byte("42[\"send_message\",{\"text\":\"hello there\"}]\x1e2\x1ebAAECAwQFBgcICQ==")
	buf := make([]byte, len(src))
	var d PayloadDecoder
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		copy(buf, src)
		d.Reset(buf)
		for {
			_, ok, err := d.Next()
			if err != nil || !ok {
				break
			}
		}
	}
}
