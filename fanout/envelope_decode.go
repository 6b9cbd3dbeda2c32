package fanout

import (
	"encoding/binary"
	"fmt"
)

// PeekVersion returns the version byte of an encoded envelope, or 0 when b is empty.
func PeekVersion(b []byte) byte {
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// Decode parses b into e without copying: e's byte fields alias b. It
// refuses unknown versions (ErrUnknownVersion), unknown kinds and flags,
// truncation, non-minimal varints and trailing bytes.
func (e *Envelope) Decode(b []byte) error {
	r := reader{b: b}
	hdr := r.take(4)
	if hdr == nil {
		return ErrTruncated
	}
	if hdr[0] != Version {
		return fmt.Errorf("%w: %d", ErrUnknownVersion, hdr[0])
	}
	kind, flags := Kind(hdr[1]), Flags(hdr[2])
	if kind == 0 || kind >= kindEnd {
		return fmt.Errorf("%w: %d", ErrUnknownKind, hdr[1])
	}
	if flags&^knownFlags != 0 {
		return fmt.Errorf("%w: %#x", ErrBadFlags, hdr[2])
	}
	if hdr[3] == 0 {
		return fmt.Errorf("%w: empty sender", ErrMalformed)
	}
	e.Kind, e.Flags = kind, flags
	e.Sender = r.take(int(hdr[3]))
	e.Epoch = r.uint64()
	e.Session = r.take(int(r.byte()))
	e.Seq = r.uint64()
	e.Recipients = Recipients{}
	if flags&FlagRecipients != 0 {
		if err := e.Recipients.decode(&r); err != nil {
			return err
		}
	}
	plen, ok := r.uvarint()
	if !ok || plen > MaxPayload {
		return r.fail("payload length")
	}
	e.Payload = r.take(int(plen))
	e.Tag = nil
	if flags&FlagTag != 0 {
		e.Tag = r.take(TagSize)
	}
	if r.err != nil {
		return r.err
	}
	if len(r.b) != r.off {
		return fmt.Errorf("%w: %d trailing bytes", ErrMalformed, len(r.b)-r.off)
	}
	e.Raw = b
	return nil
}

// reader walks an encoded envelope; the first error sticks and every later
// read returns zero values, so Decode checks once at the end.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b)-r.off < n {
		r.err = ErrTruncated
		return nil
	}
	s := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return s
}

func (r *reader) byte() byte {
	if s := r.take(1); s != nil {
		return s[0]
	}
	return 0
}

func (r *reader) uint64() uint64 {
	if s := r.take(8); s != nil {
		return binary.BigEndian.Uint64(s)
	}
	return 0
}

// uvarint reads a minimal unsigned varint.
func (r *reader) uvarint() (uint64, bool) {
	if r.err != nil {
		return 0, false
	}
	v, n := binary.Uvarint(r.b[r.off:])
	if n == 0 {
		r.err = ErrTruncated
		return 0, false
	}
	if n < 0 || n != uvarintLen(v) {
		r.err = fmt.Errorf("%w: bad varint", ErrMalformed)
		return 0, false
	}
	r.off += n
	return v, true
}

func (r *reader) fail(what string) error {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrMalformed, what)
	}
	return r.err
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
