package fanout

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/valyala/bytebufferpool"
)

// envelopeCases are the round-trip table; the fuzz corpus is seeded from it.
func envelopeCases() []struct {
	name string
	env  Envelope
} {
	three := Recipients{}.Append([]byte("s1")).Append([]byte("session-2")).Append(bytes.Repeat([]byte("x"), MaxIDLen))
	return []struct {
		name string
		env  Envelope
	}{
		{"heartbeat", Envelope{Kind: KindHeartbeat, Sender: []byte("node-a"), Epoch: 1700000000123456789, Payload: []byte("10.0.0.1:3000")}},
		{"frame", Envelope{Kind: KindFrame, Sender: []byte("b"), Epoch: 7, Session: []byte("sess-1"), Seq: 42, Payload: []byte(`42["msg",{"t":"hi"}]`)}},
		{"coalesced", Envelope{Kind: KindFrame, Sender: []byte("b"), Epoch: 7, Recipients: three, Payload: []byte("frame")}},
		{"empty payload", Envelope{Kind: KindSessionClose, Sender: []byte("n"), Session: []byte("s"), Seq: 1<<64 - 1}},
		{"tag", Envelope{Kind: KindHandshake, Flags: FlagTag, Sender: []byte("n"), Session: []byte("s"), Payload: []byte("hs"), Tag: bytes.Repeat([]byte{0xab}, TagSize)}},
		{"tag placeholder", Envelope{Kind: KindReplay, Flags: FlagTag, Sender: []byte("n"), Session: []byte("s"), Payload: []byte("p")}},
		{"large payload", Envelope{Kind: KindFrame, Sender: []byte("n"), Session: []byte("s"), Payload: bytes.Repeat([]byte("z"), 70000)}},
		{"self-check", Envelope{Kind: KindSelfCheck, Sender: []byte("n"), Epoch: 1, Seq: 99}},
	}
}

func TestEnvelopeRoundTrip(t *testing.T) {
	for _, tc := range envelopeCases() {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.env.Append(nil)
			if err != nil {
				t.Fatalf("Append: %v", err)
			}
			if len(b) != tc.env.Size() {
				t.Fatalf("Size() = %d, encoded %d bytes", tc.env.Size(), len(b))
			}
			var got Envelope
			if err := got.Decode(b); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			assertSameEnvelope(t, &tc.env, &got)
			if !bytes.Equal(got.Raw, b) || !bytes.Equal(got.Signed(), b[:len(b)-len(got.Tag)]) {
				t.Fatal("Raw or Signed does not cover the encoded bytes")
			}
		})
	}
}

func assertSameEnvelope(t *testing.T, want, got *Envelope) {
	t.Helper()
	if got.Kind != want.Kind || got.Epoch != want.Epoch || got.Seq != want.Seq {
		t.Fatalf("header: got kind=%v epoch=%d seq=%d, want %v %d %d", got.Kind, got.Epoch, got.Seq, want.Kind, want.Epoch, want.Seq)
	}
	if !bytes.Equal(got.Sender, want.Sender) || !bytes.Equal(got.Session, want.Session) || !bytes.Equal(got.Payload, want.Payload) {
		t.Fatalf("fields: got %q %q %q", got.Sender, got.Session, got.Payload)
	}
	if got.Flags&FlagTag != want.Flags&FlagTag {
		t.Fatalf("tag flag: got %v want %v", got.Flags, want.Flags)
	}
	if want.Flags&FlagTag != 0 {
		wantTag := make([]byte, TagSize)
		copy(wantTag, want.Tag)
		if !bytes.Equal(got.Tag, wantTag) {
			t.Fatalf("tag: got %x want %x", got.Tag, wantTag)
		}
	}
	if got.Recipients.Len() != want.Recipients.Len() {
		t.Fatalf("recipients: got %d want %d", got.Recipients.Len(), want.Recipients.Len())
	}
	g, w := got.Recipients, want.Recipients
	for i := 0; i < want.Recipients.Len(); i++ {
		var gid, wid []byte
		gid, g, _ = g.Next()
		wid, w, _ = w.Next()
		if !bytes.Equal(gid, wid) {
			t.Fatalf("recipient %d: got %q want %q", i, gid, wid)
		}
	}
}

func TestEnvelopePayloadAliasesInput(t *testing.T) {
	env := Envelope{Kind: KindFrame, Sender: []byte("a"), Session: []byte("s"), Payload: []byte("hello")}
	b, _ := env.Append(nil)
	var got Envelope
	if err := got.Decode(b); err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] = 'X'
	if string(got.Payload) != "hellX" {
		t.Fatalf("payload %q was copied, want an alias of the input", got.Payload)
	}
}

func TestEnvelopeDecodeRefuses(t *testing.T) {
	good, _ := (&Envelope{Kind: KindFrame, Sender: []byte("a"), Session: []byte("s"), Payload: []byte("p")}).Append(nil)
	coal, _ := (&Envelope{Kind: KindFrame, Sender: []byte("a"), Recipients: Recipients{}.Append([]byte("r1")), Payload: []byte("p")}).Append(nil)
	// Offset of the recipient count in coal: 4 + len("a") + 8 + 1 + 0 + 8.
	const rcOff = 4 + 1 + 8 + 1 + 8
	mut := func(b []byte, f func([]byte) []byte) []byte { return f(append([]byte(nil), b...)) }
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"version 0", mut(good, func(b []byte) []byte { b[0] = 0; return b }), ErrUnknownVersion},
		{"version 2", mut(good, func(b []byte) []byte { b[0] = 2; return b }), ErrUnknownVersion},
		{"kind 0", mut(good, func(b []byte) []byte { b[1] = 0; return b }), ErrUnknownKind},
		{"kind past end", mut(good, func(b []byte) []byte { b[1] = byte(kindEnd); return b }), ErrUnknownKind},
		{"unassigned flag", mut(good, func(b []byte) []byte { b[2] = 0x04; return b }), ErrBadFlags},
		{"empty sender", mut(good, func(b []byte) []byte { b[3] = 0; return b }), ErrMalformed},
		{"trailing byte", append(append([]byte(nil), good...), 0), ErrMalformed},
		{"payload longer than input", mut(good, func(b []byte) []byte { b[len(b)-2] = 9; return b }), ErrTruncated},
		{"non-minimal varint", mut(good, func(b []byte) []byte {
			b = b[:len(b)-2]
			return append(b, 0x81, 0x00, 'p')
		}), ErrMalformed},
		{"recipient count zero", mut(coal, func(b []byte) []byte { b[rcOff] = 0; return b }), ErrMalformed},
		{"recipient count too high", mut(coal, func(b []byte) []byte { b[rcOff] = 2; return b }), ErrMalformed},
		{"recipient entry overruns", mut(coal, func(b []byte) []byte { b[rcOff+2] = 9; return b }), ErrMalformed},
		{"recipient empty id", mut(coal, func(b []byte) []byte { b[rcOff+2] = 0; return b }), ErrMalformed},
	}
	for n := 1; n < len(good); n++ {
		cases = append(cases, struct {
			name string
			in   []byte
			want error
		}{fmt.Sprintf("truncated at %d", n), good[:n], nil})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var e Envelope
			err := e.Decode(tc.in)
			if err == nil {
				t.Fatalf("Decode(%x) accepted", tc.in)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Decode(%x) = %v, want %v", tc.in, err, tc.want)
			}
		})
	}
}

func TestEnvelopeAppendRefuses(t *testing.T) {
	long := []byte(strings.Repeat("x", MaxIDLen+1))
	cases := []struct {
		name string
		env  Envelope
		want error
	}{
		{"no kind", Envelope{Sender: []byte("a")}, ErrUnknownKind},
		{"no sender", Envelope{Kind: KindFrame}, ErrMalformed},
		{"long sender", Envelope{Kind: KindFrame, Sender: long}, ErrFieldTooLong},
		{"long session", Envelope{Kind: KindFrame, Sender: []byte("a"), Session: long}, ErrFieldTooLong},
		{"bad flag", Envelope{Kind: KindFrame, Flags: 0x10, Sender: []byte("a")}, ErrBadFlags},
		{"long tag", Envelope{Kind: KindFrame, Flags: FlagTag, Sender: []byte("a"), Tag: make([]byte, TagSize+1)}, ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.env.Append(nil); !errors.Is(err, tc.want) {
				t.Fatalf("Append = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestEnvelopeKindNames(t *testing.T) {
	for k := KindFrame; k < kindEnd; k++ {
		if strings.HasPrefix(k.String(), "kind(") {
			t.Errorf("kind %d has no name", k)
		}
	}
	if got := Kind(200).String(); got != "kind(200)" {
		t.Errorf("Kind(200).String() = %q", got)
	}
}

func TestEnvelopeEncodeDecodeAllocatesNothing(t *testing.T) {
	env := Envelope{Kind: KindFrame, Sender: []byte("node-a"), Epoch: 1, Session: []byte("sess"), Seq: 1,
		Recipients: Recipients{}.Append([]byte("s1")).Append([]byte("s2")), Payload: bytes.Repeat([]byte("p"), 1024)}
	var got Envelope
	// A pool of its own: the package's shared one calibrates the size it
	// keeps from every earlier test's buffers, and may drop these.
	var pool bytebufferpool.Pool
	allocs := testing.AllocsPerRun(1000, func() {
		bb := pool.Get()
		bb.B, _ = env.Append(bb.B)
		if err := got.Decode(bb.B); err != nil {
			t.Fatal(err)
		}
		for _, rest, ok := got.Recipients.Next(); ok; _, rest, ok = rest.Next() {
		}
		pool.Put(bb)
	})
	if allocs != 0 && !raceEnabled {
		t.Fatalf("encode+decode allocates %.1f times per run, want 0", allocs)
	}
}

func BenchmarkEnvelopeEncodeDecode(b *testing.B) {
	env := Envelope{Kind: KindFrame, Sender: []byte("node-a"), Epoch: 1, Session: []byte("sess-0001"), Seq: 1, Payload: bytes.Repeat([]byte("p"), 1024)}
	var got Envelope
	b.ReportAllocs()
	b.SetBytes(int64(env.Size()))
	for b.Loop() {
		env.Seq++
		bb := bytebufferpool.Get()
		bb.B, _ = env.Append(bb.B)
		if err := got.Decode(bb.B); err != nil {
			b.Fatal(err)
		}
		bytebufferpool.Put(bb)
	}
}

func FuzzDecodeEnvelope(f *testing.F) {
	for _, tc := range envelopeCases() {
		b, _ := tc.env.Append(nil)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var e Envelope
		if err := e.Decode(in); err != nil {
			return
		}
		// The encoding is canonical: whatever decodes re-encodes to itself.
		out, err := e.Append(nil)
		if err != nil {
			t.Fatalf("decoded envelope does not re-encode: %v", err)
		}
		if !bytes.Equal(out, in) {
			t.Fatalf("re-encoding differs:\n in %x\nout %x", in, out)
		}
		if e.Size() != len(in) {
			t.Fatalf("Size() = %d for %d input bytes", e.Size(), len(in))
		}
		n := 0
		for _, rest, ok := e.Recipients.Next(); ok; _, rest, ok = rest.Next() {
			n++
		}
		if n != e.Recipients.Len() {
			t.Fatalf("walked %d recipients, Len() = %d", n, e.Recipients.Len())
		}
	})
}
