package fanout

import "fmt"

// Recipients is a coalesced frame's list of session ids, kept in its wire
// form so building and walking it allocate nothing. The zero value is empty.
//
// Build one by Append on a value whose backing array is reused:
//
//	r = r.Reset()
//	r = r.Append(id1).Append(id2)
//
// and walk one with Next:
//
//	for id, rest, ok := r.Next(); ok; id, rest, ok = rest.Next() { ... }
type Recipients struct {
	raw []byte // entries: (1 length byte, id bytes)...
	n   int
}

// Len returns the number of recipients.
func (r Recipients) Len() int { return r.n }

// Reset empties the list and keeps its capacity.
func (r Recipients) Reset() Recipients { return Recipients{raw: r.raw[:0]} }

// Append adds id. An empty id or one longer than MaxIDLen is a programming
// error the caller must have ruled out; Append panics on it rather than
// write a list that every peer would refuse.
func (r Recipients) Append(id []byte) Recipients {
	if len(id) == 0 || len(id) > MaxIDLen {
		panic(fmt.Sprintf("fanout: recipient id of %d bytes", len(id)))
	}
	r.raw = append(r.raw, byte(len(id)))
	r.raw = append(r.raw, id...)
	r.n++
	return r
}

// Next returns the first id and the rest of the list; ok is false when the
// list is empty.
func (r Recipients) Next() (id []byte, rest Recipients, ok bool) {
	if r.n == 0 || len(r.raw) == 0 {
		return nil, Recipients{}, false
	}
	l := int(r.raw[0])
	id = r.raw[1 : 1+l : 1+l]
	return id, Recipients{raw: r.raw[1+l:], n: r.n - 1}, true
}

// decode reads the count, byte length and entries, checking that the
// entries fill exactly the stated length.
func (r *Recipients) decode(rd *reader) error {
	count, ok := rd.uvarint()
	if !ok || count == 0 {
		return rd.fail("recipient count")
	}
	size, ok := rd.uvarint()
	if !ok || size > uint64(len(rd.b)-rd.off) || count > size/2 {
		return rd.fail("recipient list length")
	}
	raw := rd.take(int(size))
	for i, off := uint64(0), 0; i < count; i++ {
		if off >= len(raw) || raw[off] == 0 || off+1+int(raw[off]) > len(raw) {
			return rd.fail("recipient entry")
		}
		off += 1 + int(raw[off])
		if i == count-1 && off != len(raw) {
			return rd.fail("recipient list size")
		}
	}
	r.raw, r.n = raw, int(count)
	return nil
}
