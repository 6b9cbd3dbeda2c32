package wsframe

import (
	"bytes"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

// checker is a Handler that asserts the invariants every delivered message must
// hold, whatever the input.
type checker struct {
	t   *testing.T
	max int64
}

func (c checker) OnMessage(op ws.OpCode, p []byte) error {
	if op != ws.OpText && op != ws.OpBinary {
		c.t.Fatalf("message with opcode %v", op)
	}
	if int64(len(p)) > c.max {
		c.t.Fatalf("message of %d bytes over max %d", len(p), c.max)
	}
	if op == ws.OpText && !utf8.Valid(p) {
		c.t.Fatal("invalid UTF-8 text delivered")
	}
	return nil
}

func (c checker) OnControl(op ws.OpCode, p []byte) error {
	if !op.IsControl() || len(p) > 125 {
		c.t.Fatalf("bad control frame %v of %d bytes", op, len(p))
	}
	return nil
}

// FuzzDecoder feeds arbitrary bytes, split at an arbitrary point, to decoders of
// both sides: they must not panic, must only deliver valid messages, and must
// end every error with a known close code and no buffers held.
func FuzzDecoder(f *testing.F) {
	f.Add(clientFrame(ws.OpText, true, []byte("hello")), uint16(3), true)
	f.Add(AppendFrame(nil, ws.OpBinary, true, []byte{1, 2, 3}, false), uint16(1), false)
	f.Fuzz(func(t *testing.T, in []byte, split uint16, fromClient bool) {
		const max = 4096
		d := &Decoder{FromClient: fromClient, MaxPayload: max}
		cut := int(split) % (len(in) + 1)
		err := d.Feed(bytes.Clone(in[:cut]), checker{t, max})
		if err == nil {
			err = d.Feed(bytes.Clone(in[cut:]), checker{t, max})
		}
		if err == nil {
			d.Reset()
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v is not a *Error", err)
		}
		if !d.Idle() {
			t.Fatal("decoder holds buffers after an error")
		}
	})
}

// FuzzFrameRoundTrip encodes arbitrary payloads and decodes them again.
func FuzzFrameRoundTrip(f *testing.F) {
	f.Add([]byte("hello"), byte(ws.OpText), true)
	f.Add(bytes.Repeat([]byte{0}, 300), byte(ws.OpBinary), false)
	f.Fuzz(func(t *testing.T, p []byte, opb byte, masked bool) {
		op := ws.OpBinary
		if opb%2 == 1 && utf8.Valid(p) {
			op = ws.OpText
		}
		frame := AppendFrame(nil, op, true, p, masked)
		h, n, err := ParseHeader(frame)
		if err != nil || n != HeaderSize(len(p), masked) || h.Length != int64(len(p)) {
			t.Fatalf("header %+v n=%d err=%v for %d bytes", h, n, err, len(p))
		}
		d := &Decoder{FromClient: masked, MaxPayload: 1 << 20}
		rec := &recorder{}
		if err := d.Feed(frame, rec); err != nil {
			t.Fatal(err)
		}
		if len(rec.data) != 1 || !bytes.Equal(rec.data[0], p) || rec.msgs[0] != op {
			t.Fatal("payload did not round-trip")
		}
	})
}
