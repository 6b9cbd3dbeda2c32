package socketio

import "strconv"

// NoID is Header.ID when a packet carries no ack id.
const NoID int64 = -1

// maxID bounds ack ids to what a JavaScript number holds exactly.
const maxID = 1<<53 - 1

var rootNamespace = []byte("/")

// Header is what a router needs from a packet. Slices alias the packet
// passed to Parse, except Event when the name had escapes: then it points into
// the Header's own buffer, reused by the next Parse.
type Header struct {
	Type        PacketType
	Attachments int    // binary attachments that follow (BINARY_* only)
	Namespace   []byte // "/" when absent on the wire
	ID          int64  // ack id, NoID when absent
	Event       []byte // event name (EVENT and BINARY_EVENT), unescaped
	Payload     []byte // the JSON payload, empty when absent

	raw     []byte
	idStart int  // where the ack id starts (or would start) in raw
	bareNsp bool // a namespace ends the packet without its comma
	scratch []byte
}

// Parse reads the header of one Socket.IO packet (the data of one Engine.IO
// message packet). It validates the structure the reference parser
// validates, but not the JSON beyond the event name.
func (h *Header) Parse(pkt []byte) error {
	*h = Header{scratch: h.scratch[:0], raw: pkt, ID: NoID, Namespace: rootNamespace}
	if len(pkt) == 0 {
		return ErrEmptyPacket
	}
	t := pkt[0] - '0'
	if t > byte(BinaryAck) {
		return ErrUnknownType
	}
	h.Type = PacketType(t)
	i := 1
	if h.Type.IsBinary() {
		n, next, err := parseAttachments(pkt, i)
		if err != nil {
			return err
		}
		h.Attachments, i = n, next
	}
	if i < len(pkt) && pkt[i] == '/' {
		start := i
		for i < len(pkt) && pkt[i] != ',' {
			i++
		}
		h.Namespace = pkt[start:i]
		if i < len(pkt) {
			i++ // the comma
		} else {
			h.bareNsp = true
		}
	}
	h.idStart = i
	id, next, err := parseID(pkt, i)
	if err != nil {
		return err
	}
	h.ID, h.Payload = id, pkt[next:]
	return h.checkPayload()
}

func parseAttachments(pkt []byte, i int) (n, next int, err error) {
	start := i
	for i < len(pkt) && pkt[i] >= '0' && pkt[i] <= '9' {
		if i-start >= 9 {
			return 0, 0, ErrBadAttachments
		}
		n = n*10 + int(pkt[i]-'0')
		i++
	}
	if i == start || i == len(pkt) || pkt[i] != '-' {
		return 0, 0, ErrBadAttachments
	}
	return n, i + 1, nil
}

func parseID(pkt []byte, i int) (id int64, next int, err error) {
	start := i
	for i < len(pkt) && pkt[i] >= '0' && pkt[i] <= '9' {
		id = id*10 + int64(pkt[i]-'0')
		if id > maxID {
			return 0, 0, ErrBadAckID
		}
		i++
	}
	if i == start {
		return NoID, i, nil
	}
	return id, i, nil
}

// checkPayload applies the reference parser's per-type payload rules, looking
// only at the payload's first value.
func (h *Header) checkPayload() error {
	p := h.Payload
	switch h.Type {
	case Connect:
		if len(p) == 0 || p[0] == '{' {
			return nil
		}
	case Disconnect:
		if len(p) == 0 {
			return nil
		}
	case ConnectError:
		if len(p) > 0 && (p[0] == '{' || p[0] == '"') {
			return nil
		}
	case Ack, BinaryAck:
		if len(p) > 0 && p[0] == '[' && h.ID != NoID {
			return nil
		}
	case Event, BinaryEvent:
		return h.readEvent()
	}
	return ErrBadPayload
}

// AppendWithID appends the packet last parsed by h with its ack id replaced
// by id (NoID removes it). The packet given to Parse must still be intact.
// With id equal to h.ID the packet is appended unchanged.
func (h *Header) AppendWithID(dst []byte, id int64) []byte {
	if id == h.ID {
		return append(dst, h.raw...)
	}
	dst = append(dst, h.raw[:h.idStart]...)
	if id != NoID {
		if h.bareNsp {
			dst = append(dst, ',')
		}
		dst = strconv.AppendInt(dst, id, 10)
	}
	return append(dst, h.Payload...)
}
