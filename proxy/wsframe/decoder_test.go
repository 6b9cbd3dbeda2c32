package wsframe

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/gobwas/ws"
)

// recorder is a Handler that keeps copies of what it was given.
type recorder struct {
	msgs  []ws.OpCode
	data  [][]byte
	ctrls []ws.OpCode
}

func (r *recorder) OnMessage(op ws.OpCode, p []byte) error {
	r.msgs = append(r.msgs, op)
	r.data = append(r.data, bytes.Clone(p))
	return nil
}

func (r *recorder) OnControl(op ws.OpCode, p []byte) error {
	r.ctrls = append(r.ctrls, op)
	return nil
}

// clientFrame encodes a masked frame as a client would send it.
func clientFrame(op ws.OpCode, fin bool, p []byte) []byte {
	return AppendFrame(nil, op, fin, p, true)
}

// rawFrame builds a frame header by hand so tests can set bits encoders refuse.
func rawFrame(b0 byte, masked bool, p []byte) []byte {
	b1 := byte(len(p))
	if masked {
		b1 |= 0x80
	}
	out := append([]byte{b0, b1}, make([]byte, 0, 4)...)
	if masked {
		out = append(out, 0, 0, 0, 0) // zero mask leaves p as is
	}
	return append(out, p...)
}

func TestDecoderBadInput(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 200)
	tests := []struct {
		name       string
		fromClient bool
		max        int64
		in         []byte
		want       *Error
	}{
		{"reserved data opcode", true, 0, rawFrame(0x83, true, nil), ErrReservedOpCode},
		{"reserved control opcode", true, 0, rawFrame(0x8B, true, nil), ErrReservedOpCode},
		{"unmasked client frame", true, 0, rawFrame(0x81, false, []byte("hi")), ErrUnmaskedFrame},
		{"masked server frame", false, 0, rawFrame(0x81, true, []byte("hi")), ErrMaskedFrame},
		{"rsv1 without extension", true, 0, rawFrame(0xC1, true, []byte("hi")), ErrRSV},
		{"rsv3 without extension", true, 0, rawFrame(0x91, true, []byte("hi")), ErrRSV},
		{"control over 125 bytes", true, 0, clientFrame(ws.OpPing, true, big[:126]), ErrControlTooLong},
		{"fragmented control", true, 0, clientFrame(ws.OpPing, false, []byte("p")), ErrControlFragmented},
		{"lone continuation", true, 0, clientFrame(ws.OpContinuation, true, []byte("c")), ErrUnexpectedContinue},
		{"text inside fragments", true, 0, append(clientFrame(ws.OpText, false, []byte("a")), clientFrame(ws.OpText, true, []byte("b"))...), ErrExpectedContinue},
		{"invalid utf8 text", true, 0, clientFrame(ws.OpText, true, []byte{0xff, 0xfe}), ErrInvalidUTF8},
		{"invalid utf8 across fragments", true, 0, append(clientFrame(ws.OpText, false, []byte{0xe2, 0x82}), clientFrame(ws.OpContinuation, true, []byte{0x41})...), ErrInvalidUTF8},
		{"message over max", true, 100, clientFrame(ws.OpBinary, true, big), ErrTooLarge},
		{"fragments over max", true, 150, append(clientFrame(ws.OpBinary, false, big[:100]), clientFrame(ws.OpContinuation, true, big[:100])...), ErrTooLarge},
		{"close of one byte", true, 0, clientFrame(ws.OpClose, true, []byte{3}), ErrBadClosePayload},
		{"close code 1005", true, 0, AppendClose(nil, 1005, "", true), ErrBadCloseCode},
		{"close code 999", true, 0, AppendClose(nil, 999, "", true), ErrBadCloseCode},
		{"close reason invalid utf8", true, 0, clientFrame(ws.OpClose, true, []byte{0x03, 0xe8, 0xff}), ErrInvalidUTF8},
		{"length msb set", false, 0, []byte{0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1}, ErrLengthMSB},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := &Decoder{FromClient: tc.fromClient, MaxPayload: tc.max}
			err := d.Feed(bytes.Clone(tc.in), &recorder{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("Feed error = %v, want %v", err, tc.want)
			}
			if CloseCode(err) != tc.want.Code {
				t.Fatalf("close code = %d, want %d", CloseCode(err), tc.want.Code)
			}
			if !d.Idle() {
				t.Fatal("decoder holds buffers after an error")
			}
		})
	}
}

func TestDecoderTooLargeBeforePayload(t *testing.T) {
	// Only the header of a too large frame has arrived: the limit must fire now,
	// not after buffering the payload.
	hdr := AppendFrame(nil, ws.OpBinary, true, make([]byte, 5000), true)[:8]
	d := &Decoder{FromClient: true, MaxPayload: 4096}
	if err := d.Feed(hdr, &recorder{}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Feed = %v, want ErrTooLarge", err)
	}
}

func TestDecoderMessages(t *testing.T) {
	var stream []byte
	stream = append(stream, clientFrame(ws.OpText, true, []byte("hello"))...)
	stream = append(stream, clientFrame(ws.OpBinary, false, []byte{1, 2})...)
	stream = append(stream, clientFrame(ws.OpPing, true, []byte("mid"))...)
	stream = append(stream, clientFrame(ws.OpContinuation, false, []byte{3})...)
	stream = append(stream, clientFrame(ws.OpContinuation, true, []byte{4, 5})...)
	stream = append(stream, clientFrame(ws.OpText, true, bytes.Repeat([]byte("é"), 40000))...)
	stream = append(stream, AppendClose(nil, 4001, "bye", true)...)
	wantMsgs := [][]byte{[]byte("hello"), {1, 2, 3, 4, 5}, bytes.Repeat([]byte("é"), 40000)}

	for _, chunk := range []int{1, 3, 7, 100, 4096, len(stream)} {
		t.Run(fmt.Sprintf("chunk=%d", chunk), func(t *testing.T) {
			d := &Decoder{FromClient: true}
			rec := &recorder{}
			in := bytes.Clone(stream)
			for off := 0; off < len(in); off += chunk {
				end := min(off+chunk, len(in))
				if err := d.Feed(in[off:end], rec); err != nil {
					t.Fatalf("chunk %d at %d: %v", chunk, off, err)
				}
			}
			if len(rec.data) != len(wantMsgs) {
				t.Fatalf("chunk %d: got %d messages, want %d", chunk, len(rec.data), len(wantMsgs))
			}
			for i, w := range wantMsgs {
				if !bytes.Equal(rec.data[i], w) {
					t.Fatalf("chunk %d: message %d differs", chunk, i)
				}
			}
			if want := []ws.OpCode{ws.OpPing, ws.OpClose}; !equalOps(rec.ctrls, want) {
				t.Fatalf("chunk %d: controls %v, want %v", chunk, rec.ctrls, want)
			}
			if !d.Idle() {
				t.Fatalf("chunk %d: decoder not idle after whole frames", chunk)
			}
		})
	}
}

func equalOps(a, b []ws.OpCode) bool {
	return bytes.Equal(opBytes(a), opBytes(b))
}

func opBytes(ops []ws.OpCode) []byte {
	out := make([]byte, len(ops))
	for i, op := range ops {
		out[i] = byte(op)
	}
	return out
}

type nopHandler struct{}

func (nopHandler) OnMessage(ws.OpCode, []byte) error { return nil }
func (nopHandler) OnControl(ws.OpCode, []byte) error { return nil }

func TestDecoderAllocs(t *testing.T) {
	frame := clientFrame(ws.OpText, true, bytes.Repeat([]byte("a"), 1024))
	buf := make([]byte, len(frame))
	d := &Decoder{FromClient: true}
	var h Handler = nopHandler{}
	allocs := testing.AllocsPerRun(1000, func() {
		copy(buf, frame)
		if err := d.Feed(buf[:10], h); err != nil {
			t.Fatal(err)
		}
		if err := d.Feed(buf[10:], h); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("decoding a split 1 KiB frame allocates %v times per run, want 0", allocs)
	}
}
