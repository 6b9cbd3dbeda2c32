package socketio

import "time"

// Defaults for an Assembler's zero-valued limits.
const (
	DefaultMaxAttachments = 64
	DefaultMaxBytes       = 1_000_000 // socket.io's default maxHttpBufferSize
)

// Assembler keeps a binary packet and the attachments it announces together
// until the unit is complete, so a router forwards them as one unit. A packet
// without attachments completes at once and is not copied. The zero value is
// ready; it belongs to the goroutine that reads the connection.
type Assembler struct {
	// MaxAttachments bounds the attachments one packet may announce
	// (default DefaultMaxAttachments).
	MaxAttachments int
	// MaxBytes bounds a unit's total size (default DefaultMaxBytes).
	MaxBytes int

	buf   []byte
	ends  []int // end offset in buf of each part
	alias []byte
	want  int // parts the unit needs (packet + attachments); 0 when idle
	since time.Time
}

// AddPacket starts a unit with a text packet announcing n attachments
// (Header.Attachments). It reports done when n is 0. It fails if the
// previous unit is still incomplete or n exceeds the limit.
func (a *Assembler) AddPacket(pkt []byte, n int) (done bool, err error) {
	if a.Pending() {
		a.Reset()
		return false, ErrIncompleteUnit
	}
	a.Reset()
	if n == 0 {
		a.alias, a.want = pkt, 1
		return true, nil
	}
	if n > a.maxAttachments() {
		return false, ErrTooManyAttachments
	}
	if len(pkt) > a.maxBytes() {
		return false, ErrAttachmentTooLarge
	}
	a.want, a.since = n+1, time.Now()
	a.buf = append(a.buf, pkt...)
	a.ends = append(a.ends, len(a.buf))
	return false, nil
}

// AddAttachment adds one binary message to the pending unit and reports
// whether the unit is now complete.
func (a *Assembler) AddAttachment(b []byte) (done bool, err error) {
	if !a.Pending() {
		a.Reset()
		return false, ErrUnexpectedBinary
	}
	if len(a.buf)+len(b) > a.maxBytes() {
		a.Reset()
		return false, ErrAttachmentTooLarge
	}
	a.buf = append(a.buf, b...)
	a.ends = append(a.ends, len(a.buf))
	return len(a.ends) == a.want, nil
}

// Pending reports whether a unit waits for more attachments.
func (a *Assembler) Pending() bool { return a.want > 1 && len(a.ends) < a.want }

// PendingSince returns when the pending unit started; a caller closes the
// session when a unit stays incomplete past its own bound.
func (a *Assembler) PendingSince() (time.Time, bool) { return a.since, a.Pending() }

// Len returns the number of parts of the completed unit.
func (a *Assembler) Len() int {
	if a.alias != nil {
		return 1
	}
	return len(a.ends)
}

// Part returns part i of the completed unit (0 is the packet). It is valid
// until the next Add or Reset.
func (a *Assembler) Part(i int) []byte {
	if a.alias != nil {
		return a.alias
	}
	start := 0
	if i > 0 {
		start = a.ends[i-1]
	}
	return a.buf[start:a.ends[i]]
}

// Reset drops any unit, keeping the buffers for reuse.
func (a *Assembler) Reset() {
	a.buf, a.ends, a.alias, a.want = a.buf[:0], a.ends[:0], nil, 0
	a.since = time.Time{}
}

func (a *Assembler) maxAttachments() int {
	if a.MaxAttachments > 0 {
		return a.MaxAttachments
	}
	return DefaultMaxAttachments
}

func (a *Assembler) maxBytes() int {
	if a.MaxBytes > 0 {
		return a.MaxBytes
	}
	return DefaultMaxBytes
}
