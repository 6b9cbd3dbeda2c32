package socketio

import (
	"unicode/utf16"
	"unicode/utf8"
)

// readEvent finds the event name: the first element of the payload array,
// a JSON string (or, as the reference parser also accepts, a number).
func (h *Header) readEvent() error {
	p := h.Payload
	if len(p) == 0 || p[0] != '[' {
		return ErrBadPayload
	}
	i := skipSpace(p, 1)
	if i == len(p) {
		return ErrBadPayload
	}
	if p[i] == '"' {
		return h.readEventString(p, i+1)
	}
	start := i
	for i < len(p) && (p[i] == '-' || p[i] == '.' || p[i] == '+' || p[i] == 'e' || p[i] == 'E' || (p[i] >= '0' && p[i] <= '9')) {
		i++
	}
	if i == start {
		return ErrBadPayload
	}
	h.Event = p[start:i]
	return nil
}

func skipSpace(p []byte, i int) int {
	for i < len(p) && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r') {
		i++
	}
	return i
}

func (h *Header) readEventString(p []byte, start int) error {
	for i := start; i < len(p); i++ {
		switch c := p[i]; {
		case c == '"':
			h.Event = p[start:i]
			return checkReserved(h.Event)
		case c == '\\':
			return h.unescapeEvent(p, start, i)
		case c < 0x20:
			return ErrBadPayload
		}
	}
	return ErrBadPayload
}

// unescapeEvent decodes a name with escapes into h.scratch; esc is the
// index of the first backslash.
func (h *Header) unescapeEvent(p []byte, start, esc int) error {
	out := append(h.scratch[:0], p[start:esc]...)
	for i := esc; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '"':
			h.scratch, h.Event = out, out
			return checkReserved(h.Event)
		case c < 0x20:
			return ErrBadPayload
		case c != '\\':
			out = append(out, c)
			continue
		}
		var ok bool
		if out, i, ok = appendEscape(out, p, i+1); !ok {
			return ErrBadPayload
		}
	}
	return ErrBadPayload
}

// appendEscape decodes the escape whose letter is at p[i]; it returns the
// index of the escape's last byte.
func appendEscape(out, p []byte, i int) ([]byte, int, bool) {
	if i >= len(p) {
		return out, i, false
	}
	switch p[i] {
	case '"', '\\', '/':
		return append(out, p[i]), i, true
	case 'b':
		return append(out, '\b'), i, true
	case 'f':
		return append(out, '\f'), i, true
	case 'n':
		return append(out, '\n'), i, true
	case 'r':
		return append(out, '\r'), i, true
	case 't':
		return append(out, '\t'), i, true
	case 'u':
		return appendUnicode(out, p, i+1)
	}
	return out, i, false
}

// appendUnicode decodes \uXXXX at p[i:] (and a following low surrogate).
func appendUnicode(out, p []byte, i int) ([]byte, int, bool) {
	r, ok := hex4(p, i)
	if !ok {
		return out, i, false
	}
	last := i + 3
	if utf16.IsSurrogate(r) {
		if r2, ok2 := hex4(p, i+6); ok2 && p[i+4] == '\\' && p[i+5] == 'u' {
			if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
				return utf8.AppendRune(out, dec), i + 9, true
			}
		}
		r = utf8.RuneError
	}
	return utf8.AppendRune(out, r), last, true
}

func hex4(p []byte, i int) (rune, bool) {
	if i < 0 || i+4 > len(p) {
		return 0, false
	}
	var r rune
	for _, c := range p[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// checkReserved refuses the names the reference parser refuses as events.
func checkReserved(name []byte) error {
	switch string(name) {
	case "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener":
		return ErrBadPayload
	}
	return nil
}
