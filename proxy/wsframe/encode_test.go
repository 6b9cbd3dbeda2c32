package wsframe

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

func TestAppendFrameRoundTrip(t *testing.T) {
	for _, size := range []int{0, 1, 125, 126, 65535, 65536, 70000} {
		for _, masked := range []bool{false, true} {
			p := bytes.Repeat([]byte{7}, size)
			f := AppendFrame(nil, ws.OpBinary, true, p, masked)
			if len(f) != HeaderSize(size, masked)+size {
				t.Fatalf("size %d masked %v: frame of %d bytes", size, masked, len(f))
			}
			d := &Decoder{FromClient: masked, MaxPayload: 1 << 20}
			rec := &recorder{}
			if err := d.Feed(f, rec); err != nil {
				t.Fatalf("size %d masked %v: %v", size, masked, err)
			}
			if len(rec.data) != 1 || !bytes.Equal(rec.data[0], p) {
				t.Fatalf("size %d masked %v: payload did not round-trip", size, masked)
			}
		}
	}
}

func TestAppendFrameFreshMask(t *testing.T) {
	a := AppendFrame(nil, ws.OpText, true, []byte("same"), true)
	b := AppendFrame(nil, ws.OpText, true, []byte("same"), true)
	c := AppendFrame(nil, ws.OpText, true, []byte("same"), true)
	if bytes.Equal(a[2:6], b[2:6]) && bytes.Equal(b[2:6], c[2:6]) {
		t.Fatal("three frames share one masking key")
	}
}

func TestAppendClose(t *testing.T) {
	long := strings.Repeat("é", 100) // 200 bytes
	tests := []struct {
		name       string
		code       ws.StatusCode
		reason     string
		wantCode   ws.StatusCode
		wantReason string
	}{
		{"normal", 1000, "bye", 1000, "bye"},
		{"app code", 4001, "custom", 4001, "custom"},
		{"no status", 0, "ignored", ws.StatusNoStatusRcvd, ""},
		{"long reason cut on a rune", 1001, long, 1001, long[:122]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := AppendClose(nil, tc.code, tc.reason, true)
			d := &Decoder{FromClient: true}
			var got []byte
			h := controlFunc(func(op ws.OpCode, p []byte) { got = bytes.Clone(p) })
			if err := d.Feed(f, h); err != nil {
				t.Fatal(err)
			}
			code, reason := ParseClose(got)
			if code != tc.wantCode || string(reason) != tc.wantReason || !utf8.Valid(reason) {
				t.Fatalf("got %d %q, want %d %q", code, reason, tc.wantCode, tc.wantReason)
			}
		})
	}
}

type controlFunc func(op ws.OpCode, p []byte)

func (f controlFunc) OnMessage(ws.OpCode, []byte) error { return nil }
func (f controlFunc) OnControl(op ws.OpCode, p []byte) error {
	f(op, p)
	return nil
}

func TestAppendFrameAllocs(t *testing.T) {
	p := make([]byte, 1024)
	dst := make([]byte, 0, 2048)
	allocs := testing.AllocsPerRun(1000, func() {
		dst = AppendFrame(dst[:0], ws.OpBinary, true, p, true)
		dst = AppendClose(dst[:0], 1000, "bye", true)
	})
	if allocs != 0 {
		t.Fatalf("encoding allocates %v times per run, want 0", allocs)
	}
}
