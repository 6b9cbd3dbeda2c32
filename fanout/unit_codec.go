package fanout

import (
	"encoding/binary"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gobwas/ws"

	"github.com/sidecast/sidecast/proxy"
)

// Payload layouts of the mirror kinds (all inside an Envelope's payload):
//
//	unit       opcode byte, uvarint part count, then per part: uvarint length, bytes
//	handshake  uvarint-prefixed path, uvarint-prefixed raw query, uvarint-prefixed
//	           header block (one "Key: value\n" line per value)
//	snapshot   uvarint-prefixed handshake, uvarint entry count, then per entry:
//	           kind byte, uvarint-prefixed unit
//	kick       the namespace ("" for the whole session)

// maxParts bounds a unit's parts (a packet and its attachments).
const maxParts = 1 + 64

// appendUnit encodes u onto dst.
func appendUnit(dst []byte, u proxy.Unit) []byte {
	dst = append(dst, byte(u.Op))
	dst = binary.AppendUvarint(dst, uint64(len(u.Parts)))
	for _, p := range u.Parts {
		dst = binary.AppendUvarint(dst, uint64(len(p)))
		dst = append(dst, p...)
	}
	return dst
}

// decodeUnit decodes b into u, reusing u.Parts; the parts alias b.
func decodeUnit(b []byte, u *proxy.Unit) error {
	if len(b) < 2 {
		return fmt.Errorf("%w: short unit", ErrMalformed)
	}
	u.Op = ws.OpCode(b[0])
	n, k := binary.Uvarint(b[1:])
	if k <= 0 || n == 0 || n > maxParts {
		return fmt.Errorf("%w: unit part count", ErrMalformed)
	}
	b = b[1+k:]
	u.Parts = u.Parts[:0]
	for range n {
		p, rest, err := takeBytes(b)
		if err != nil {
			return err
		}
		u.Parts = append(u.Parts, p)
		b = rest
	}
	if len(b) != 0 {
		return fmt.Errorf("%w: bytes after unit", ErrMalformed)
	}
	return nil
}

// takeBytes reads one uvarint-prefixed byte string.
func takeBytes(b []byte) (p, rest []byte, err error) {
	l, k := binary.Uvarint(b)
	if k <= 0 || l > uint64(len(b)-k) {
		return nil, nil, fmt.Errorf("%w: length prefix", ErrMalformed)
	}
	return b[k : k+int(l)], b[k+int(l):], nil
}

func appendBytes(dst, p []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(p)))
	return append(dst, p...)
}

// encodeHandshake encodes hs once per session.
func encodeHandshake(hs proxy.Handshake) []byte {
	var hdr []byte
	for k, vs := range hs.Header {
		for _, v := range vs {
			hdr = append(hdr, k...)
			hdr = append(hdr, ": "...)
			hdr = append(hdr, v...)
			hdr = append(hdr, '\n')
		}
	}
	b := appendBytes(nil, []byte(hs.Path))
	b = appendBytes(b, []byte(hs.RawQuery))
	return appendBytes(b, hdr)
}

// decodeHandshake copies what b holds into a Handshake.
func decodeHandshake(b []byte) (proxy.Handshake, error) {
	var hs proxy.Handshake
	path, b, err := takeBytes(b)
	if err != nil {
		return hs, err
	}
	query, b, err := takeBytes(b)
	if err != nil {
		return hs, err
	}
	hdr, b, err := takeBytes(b)
	if err != nil || len(b) != 0 {
		return hs, fmt.Errorf("%w: handshake", ErrMalformed)
	}
	if _, err := url.ParseQuery(string(query)); err != nil {
		return hs, fmt.Errorf("%w: handshake query", ErrMalformed)
	}
	hs.Path, hs.RawQuery, hs.Header = string(path), string(query), http.Header{}
	for len(hdr) > 0 {
		line := hdr
		if i := indexByte(hdr, '\n'); i >= 0 {
			line, hdr = hdr[:i], hdr[i+1:]
		} else {
			hdr = nil
		}
		k, v, ok := cutBytes(line, ": ")
		if !ok {
			return hs, fmt.Errorf("%w: handshake header", ErrMalformed)
		}
		hs.Header.Add(string(k), string(v))
	}
	return hs, nil
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func cutBytes(b []byte, sep string) (before, after []byte, ok bool) {
	for i := 0; i+len(sep) <= len(b); i++ {
		if string(b[i:i+len(sep)]) == sep {
			return b[:i], b[i+len(sep):], true
		}
	}
	return b, nil, false
}

// logEntry is one membership unit kept for resyncs and snapshots.
type logEntry struct {
	kind Kind
	ns   string
	name string // event name ("" for CONNECT/DISCONNECT)
	args string // event arguments, to pair a join with its leave
	unit []byte // appendUnit encoding
}

// appendSnapshot encodes a session's handshake and membership log.
func appendSnapshot(dst, hs []byte, log []logEntry) []byte {
	dst = appendBytes(dst, hs)
	dst = binary.AppendUvarint(dst, uint64(len(log)))
	for _, e := range log {
		dst = append(dst, byte(e.kind))
		dst = appendBytes(dst, e.unit)
	}
	return dst
}

// decodeSnapshot splits a snapshot; the slices alias b.
func decodeSnapshot(b []byte) (hs []byte, units [][]byte, err error) {
	hs, b, err = takeBytes(b)
	if err != nil {
		return nil, nil, err
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, nil, fmt.Errorf("%w: snapshot count", ErrMalformed)
	}
	b = b[k:]
	for range n {
		if len(b) < 1 {
			return nil, nil, ErrTruncated
		}
		var u []byte
		if u, b, err = takeBytes(b[1:]); err != nil {
			return nil, nil, err
		}
		units = append(units, u)
	}
	if len(b) != 0 {
		return nil, nil, fmt.Errorf("%w: bytes after snapshot", ErrMalformed)
	}
	return hs, units, nil
}
