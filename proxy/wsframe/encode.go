package wsframe

import (
	"encoding/binary"
	"math/rand/v2"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

// MaxCloseReason is the longest close reason that fits a control frame.
const MaxCloseReason = 123

// AppendFrame appends one frame carrying p to dst. A masked frame (client to
// server) gets a fresh random key; p itself is not modified.
func AppendFrame(dst []byte, op ws.OpCode, fin bool, p []byte, masked bool) []byte {
	dst, start, mask := appendHeader(dst, op, fin, len(p), masked)
	dst = append(dst, p...)
	if masked {
		ws.Cipher(dst[start:], mask, 0)
	}
	return dst
}

// AppendClose appends a close frame with code and reason. Code 0 sends an empty
// close body (no status); a reason longer than MaxCloseReason bytes is cut at a
// rune boundary.
func AppendClose(dst []byte, code ws.StatusCode, reason string, masked bool) []byte {
	if code == 0 {
		return AppendFrame(dst, ws.OpClose, true, nil, masked)
	}
	reason = truncateReason(reason)
	dst, start, mask := appendHeader(dst, ws.OpClose, true, 2+len(reason), masked)
	dst = binary.BigEndian.AppendUint16(dst, uint16(code))
	dst = append(dst, reason...)
	if masked {
		ws.Cipher(dst[start:], mask, 0)
	}
	return dst
}

// ParseClose splits a validated close payload into its code and reason. An empty
// payload gives code 1005 (no status received), as RFC 6455 says a receiver
// reports it.
func ParseClose(p []byte) (code ws.StatusCode, reason []byte) {
	if len(p) < 2 {
		return ws.StatusNoStatusRcvd, nil
	}
	return ws.StatusCode(binary.BigEndian.Uint16(p)), p[2:]
}

func appendHeader(dst []byte, op ws.OpCode, fin bool, n int, masked bool) ([]byte, int, [4]byte) {
	b0 := byte(op)
	if fin {
		b0 |= 0x80
	}
	var mbit byte
	if masked {
		mbit = 0x80
	}
	switch {
	case n > 0xffff:
		dst = append(dst, b0, mbit|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	case n > 125:
		dst = append(dst, b0, mbit|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, b0, mbit|byte(n))
	}
	var mask [4]byte
	if masked {
		binary.LittleEndian.PutUint32(mask[:], rand.Uint32())
		dst = append(dst, mask[:]...)
	}
	return dst, len(dst), mask
}

func truncateReason(s string) string {
	if len(s) <= MaxCloseReason {
		return s
	}
	s = s[:MaxCloseReason]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// validCloseCode reports whether a peer may send code in a close frame.
func validCloseCode(code ws.StatusCode) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}
