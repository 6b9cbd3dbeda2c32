package wsframe

import (
	"unicode/utf8"

	"github.com/gobwas/ws"
	"github.com/valyala/bytebufferpool"
)

// DefaultMaxPayload is the message size limit of a Decoder whose MaxPayload is 0.
const DefaultMaxPayload = 1 << 20

// Handler receives what a Decoder parsed. The payload slices are only valid
// until the call returns. A non-nil error stops Feed and is returned by it.
type Handler interface {
	// OnMessage is called once per whole data message (text or binary); a
	// fragmented message arrives here reassembled.
	OnMessage(op ws.OpCode, p []byte) error
	// OnControl is called for ping, pong and close frames. Close payloads are
	// already validated (code and UTF-8 reason).
	OnControl(op ws.OpCode, p []byte) error
}

// Decoder turns a byte stream from one peer into messages. Its zero value
// decodes frames from a server (unmasked) with DefaultMaxPayload.
type Decoder struct {
	// MaxPayload bounds a message's payload, fragments added up; 0 means
	// DefaultMaxPayload.
	MaxPayload int64
	// FromClient says the peer is a client, whose frames must be masked;
	// otherwise frames must not be masked.
	FromClient bool

	pending *bytebufferpool.ByteBuffer // bytes of a frame that is not whole yet
	frag    *bytebufferpool.ByteBuffer // payload of an open fragmented message
	fragOp  ws.OpCode                  // opcode of the open fragmented message, 0 if none
}

// Feed parses the frames in p, unmasking them in place, and calls h for each.
// Bytes of an incomplete trailing frame are kept for the next Feed. After an
// error the Decoder is reset and must not be fed again.
func (d *Decoder) Feed(p []byte, h Handler) error {
	data := p
	if d.pending != nil {
		d.pending.B = append(d.pending.B, p...)
		data = d.pending.B
	}
	used, err := d.parse(data, h)
	if err != nil {
		d.Reset()
		return err
	}
	d.keep(data[used:])
	return nil
}

// Idle reports whether the Decoder holds no buffer: no partial frame and no open
// fragmented message.
func (d *Decoder) Idle() bool { return d.pending == nil && d.frag == nil }

// Reset drops any partial state and returns the buffers to their pool.
func (d *Decoder) Reset() {
	release(&d.pending)
	release(&d.frag)
	d.fragOp = 0
}

func (d *Decoder) keep(rest []byte) {
	switch {
	case len(rest) == 0:
		release(&d.pending)
	case d.pending != nil:
		n := copy(d.pending.B, rest)
		d.pending.B = d.pending.B[:n]
	default:
		d.pending = bytebufferpool.Get()
		d.pending.B = append(d.pending.B[:0], rest...)
	}
}

func (d *Decoder) parse(data []byte, h Handler) (used int, err error) {
	for {
		hdr, n, err := ParseHeader(data[used:])
		if err != nil || n == 0 {
			return used, err
		}
		if err := d.check(hdr); err != nil {
			return used, err
		}
		end := used + n + int(hdr.Length)
		if end > len(data) {
			return used, nil
		}
		payload := data[used+n : end]
		if hdr.Masked {
			ws.Cipher(payload, hdr.Mask, 0)
		}
		if err := d.dispatch(hdr, payload, h); err != nil {
			return used, err
		}
		used = end
	}
}

// check validates a header against RFC 6455 and the decoder's state. It has no
// side effects, so a header parsed again once more bytes arrive checks the same.
func (d *Decoder) check(h ws.Header) error {
	switch {
	case h.Rsv != 0:
		return ErrRSV
	case h.OpCode.IsReserved():
		return ErrReservedOpCode
	case h.Masked != d.FromClient && d.FromClient:
		return ErrUnmaskedFrame
	case h.Masked != d.FromClient:
		return ErrMaskedFrame
	}
	if h.OpCode.IsControl() {
		return checkControl(h)
	}
	return d.checkData(h)
}

func checkControl(h ws.Header) error {
	if !h.Fin {
		return ErrControlFragmented
	}
	if h.Length > 125 {
		return ErrControlTooLong
	}
	return nil
}

func (d *Decoder) checkData(h ws.Header) error {
	if h.OpCode == ws.OpContinuation && d.fragOp == 0 {
		return ErrUnexpectedContinue
	}
	if h.OpCode != ws.OpContinuation && d.fragOp != 0 {
		return ErrExpectedContinue
	}
	size := h.Length
	if d.frag != nil {
		size += int64(len(d.frag.B))
	}
	if size > d.maxPayload() {
		return ErrTooLarge
	}
	return nil
}

func (d *Decoder) maxPayload() int64 {
	if d.MaxPayload > 0 {
		return d.MaxPayload
	}
	return DefaultMaxPayload
}

func (d *Decoder) dispatch(hdr ws.Header, p []byte, h Handler) error {
	switch {
	case hdr.OpCode == ws.OpClose:
		if err := checkClose(p); err != nil {
			return err
		}
		return h.OnControl(hdr.OpCode, p)
	case hdr.OpCode.IsControl():
		return h.OnControl(hdr.OpCode, p)
	case hdr.Fin && d.fragOp == 0:
		return deliver(hdr.OpCode, p, h)
	}
	if d.fragOp == 0 {
		d.fragOp = hdr.OpCode
		d.frag = bytebufferpool.Get()
		d.frag.B = d.frag.B[:0]
	}
	d.frag.B = append(d.frag.B, p...)
	if !hdr.Fin {
		return nil
	}
	err := deliver(d.fragOp, d.frag.B, h)
	release(&d.frag)
	d.fragOp = 0
	return err
}

func deliver(op ws.OpCode, p []byte, h Handler) error {
	if op == ws.OpText && !utf8.Valid(p) {
		return ErrInvalidUTF8
	}
	return h.OnMessage(op, p)
}

func checkClose(p []byte) error {
	switch {
	case len(p) == 0:
		return nil
	case len(p) == 1:
		return ErrBadClosePayload
	}
	code, reason := ParseClose(p)
	if !validCloseCode(code) {
		return ErrBadCloseCode
	}
	if !utf8.Valid(reason) {
		return ErrInvalidUTF8
	}
	return nil
}

func release(b **bytebufferpool.ByteBuffer) {
	if *b != nil {
		bytebufferpool.Put(*b)
		*b = nil
	}
}
