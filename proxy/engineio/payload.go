package engineio

import (
	"bytes"
	"encoding/base64"
)

// RecordSeparator separates packets in an HTTP long-polling payload.
const RecordSeparator = 0x1e

// PayloadDecoder splits a long-polling payload into packets. The zero value
// is ready after Reset. A "b" record (base64 binary) is decoded in place, so
// the payload's bytes are overwritten; every Packet returned stays valid as
// long as the payload buffer does.
type PayloadDecoder struct {
	rest []byte
	done bool
}

// Reset starts decoding payload. An empty payload yields ErrEmptyPacket, as
// it does in the reference server.
func (d *PayloadDecoder) Reset(payload []byte) {
	d.rest = payload
	d.done = false
}

// Next returns the next packet. ok is false once the payload is exhausted;
// after an error the decoder stays exhausted.
func (d *PayloadDecoder) Next() (p Packet, ok bool, err error) {
	if d.done {
		return Packet{}, false, nil
	}
	rec := d.rest
	if i := bytes.IndexByte(rec, RecordSeparator); i >= 0 {
		rec, d.rest = rec[:i], rec[i+1:]
	} else {
		d.rest, d.done = nil, true
	}
	p, err = parseRecord(rec)
	if err != nil {
		d.rest, d.done = nil, true
		return Packet{}, false, err
	}
	return p, true, nil
}

func parseRecord(rec []byte) (Packet, error) {
	if len(rec) == 0 || rec[0] != 'b' {
		return parseText(rec)
	}
	src := rec[1:]
	// Decoding in place is safe: each 4-byte group is read before its 3
	// output bytes are written, and output never overtakes input.
	n, err := base64.StdEncoding.Decode(src, src)
	if err != nil {
		return Packet{}, ErrBadBase64
	}
	return Packet{Type: Message, Binary: true, Data: src[:n]}, nil
}

// AppendPayloadPacket appends p to the polling payload being built in dst,
// preceded by a record separator unless dst is empty. Binary data is encoded
// as a "b" record in standard base64.
func AppendPayloadPacket(dst []byte, p Packet) []byte {
	if len(dst) > 0 {
		dst = append(dst, RecordSeparator)
	}
	if p.Binary {
		dst = append(dst, 'b')
		return base64.StdEncoding.AppendEncode(dst, p.Data)
	}
	dst = append(dst, '0'+byte(p.Type))
	return append(dst, p.Data...)
}
