package wsframe

import (
	"encoding/binary"

	"github.com/gobwas/ws"
)

// ParseHeader parses a frame header at the start of b. It returns the header and
// its size in bytes, or n == 0 with a nil error when b does not hold a whole
// header yet. It never allocates.
func ParseHeader(b []byte) (h ws.Header, n int, err error) {
	if len(b) < 2 {
		return h, 0, nil
	}
	h.Fin = b[0]&0x80 != 0
	h.Rsv = (b[0] & 0x70) >> 4
	h.OpCode = ws.OpCode(b[0] & 0x0f)
	h.Masked = b[1]&0x80 != 0
	n = 2
	switch l := b[1] & 0x7f; l {
	case 126:
		n += 2
	case 127:
		n += 8
	default:
		h.Length = int64(l)
	}
	if h.Masked {
		n += 4
	}
	if len(b) < n {
		return ws.Header{}, 0, nil
	}
	switch b[1] & 0x7f {
	case 126:
		h.Length = int64(binary.BigEndian.Uint16(b[2:4]))
	case 127:
		v := binary.BigEndian.Uint64(b[2:10])
		if v>>63 != 0 {
			return h, 0, ErrLengthMSB
		}
		h.Length = int64(v)
	}
	if h.Masked {
		copy(h.Mask[:], b[n-4:n])
	}
	return h, n, nil
}

// HeaderSize is the encoded size of a header for a payload of n bytes.
func HeaderSize(n int, masked bool) int {
	s := 2
	switch {
	case n > 0xffff:
		s = 10
	case n > 125:
		s = 4
	}
	if masked {
		s += 4
	}
	return s
}

// MaxHeaderSize is the largest frame header.
const MaxHeaderSize = 14
