package engineio

import (
	"bytes"
	"errors"
	"testing"
)

func TestParsePacket(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		binary bool
		want   Packet
		err    error
	}{
		{"open", `0{"sid":"x"}`, false, Packet{Type: Open, Data: []byte(`{"sid":"x"}`)}, nil},
		{"ping", "2", false, Packet{Type: Ping, Data: []byte{}}, nil},
		{"probe", "2probe", false, Packet{Type: Ping, Data: []byte("probe")}, nil},
		{"message", `42["hi"]`, false, Packet{Type: Message, Data: []byte(`2["hi"]`)}, nil},
		{"noop", "6", false, Packet{Type: Noop, Data: []byte{}}, nil},
		{"binary", "\x00\x01", true, Packet{Type: Message, Binary: true, Data: []byte{0, 1}}, nil},
		{"empty", "", false, Packet{}, ErrEmptyPacket},
		{"type 7", "7", false, Packet{}, ErrUnknownPacketType},
		{"letter", "x", false, Packet{}, ErrUnknownPacketType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePacket([]byte(tt.in), tt.binary)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if got.Type != tt.want.Type || got.Binary != tt.want.Binary || !bytes.Equal(got.Data, tt.want.Data) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			if enc := AppendPacket(nil, got); string(enc) != tt.in {
				t.Fatalf("re-encoded %q, want %q", enc, tt.in)
			}
		})
	}
}

func TestPacketTypeString(t *testing.T) {
	if Noop.String() != "noop" || PacketType(9).String() != "PacketType(9)" {
		t.Fatalf("got %q and %q", Noop.String(), PacketType(9).String())
	}
}

func TestParsePacketAllocs(t *testing.T) {
	msg := []byte(`42["send_message",{"text":"hi"}]`)
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := ParsePacket(msg, false); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("ParsePacket allocates %.1f times, want 0", allocs)
	}
}
