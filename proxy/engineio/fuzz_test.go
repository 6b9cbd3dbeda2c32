package engineio

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"
)

// FuzzPayloadDecoder checks that decoding never panics, that the in-place
// base64 decoding agrees with a copying decoder, and that every payload
// that decodes re-encodes to something that decodes to the same packets.
func FuzzPayloadDecoder(f *testing.F) {
	for _, tt := range payloadTests {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		orig := bytes.Clone(payload)
		var d PayloadDecoder
		d.Reset(payload)
		var pkts []Packet
		var enc []byte
		for {
			p, ok, err := d.Next()
			if err != nil {
				if !errors.Is(err, ErrEmptyPacket) && !errors.Is(err, ErrUnknownPacketType) && !errors.Is(err, ErrBadBase64) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if !ok {
				break
			}
			pkts = append(pkts, Packet{Type: p.Type, Binary: p.Binary, Data: bytes.Clone(p.Data)})
			enc = AppendPayloadPacket(enc, p)
		}
		checkAgainstReference(t, orig, pkts)
		var d2 PayloadDecoder
		d2.Reset(enc)
		for i, want := range pkts {
			p, ok, err := d2.Next()
			if err != nil || !ok {
				t.Fatalf("re-decode packet %d: ok=%v err=%v", i, ok, err)
			}
			if p.Type != want.Type || p.Binary != want.Binary || !bytes.Equal(p.Data, want.Data) {
				t.Fatalf("re-decoded packet %d = %+v, want %+v", i, p, want)
			}
		}
		if _, ok, _ := d2.Next(); ok {
			t.Fatal("re-encoded payload has extra packets")
		}
	})
}

// checkAgainstReference decodes with bytes.Split and a copying base64 decoder.
func checkAgainstReference(t *testing.T, payload []byte, got []Packet) {
	t.Helper()
	recs := bytes.Split(payload, []byte{RecordSeparator})
	if len(recs) != len(got) {
		t.Fatalf("reference has %d records, decoder gave %d packets", len(recs), len(got))
	}
	for i, rec := range recs {
		if rec[0] != 'b' {
			continue
		}
		want, err := base64.StdEncoding.DecodeString(string(rec[1:]))
		if err != nil || !bytes.Equal(want, got[i].Data) {
			t.Fatalf("record %d: reference %q (%v), in place %q", i, want, err, got[i].Data)
		}
	}
}
