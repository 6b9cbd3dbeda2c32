package fanout

import (
	"time"

	"github.com/sidecast/sidecast/proxy"
	"github.com/sidecast/sidecast/proxy/socketio"
)

// Server→client events that ask for an ack may come from the home backend
// and from every mirror's backend, each numbering its own ids: they would
// collide at the client. A session therefore hands the client ids from one
// space of its own and remembers, until AckTTL, which backend asked and
// with which id, so the client's ack goes back to that backend.

// ackRoute is where a client-facing ack id came from.
type ackRoute struct {
	node    string // "" for the home backend
	id      int64  // the id that backend chose
	expires int64  // unix ns
}

// ackTable is one session's id space; the session's mu guards it.
type ackTable struct {
	next   int64
	routes map[int64]ackRoute
	order  []int64 // ids in the order handed out, for expiry
}

// add hands out a client-facing id for r, dropping expired routes first.
func (t *ackTable) add(r ackRoute, now int64) int64 {
	for len(t.order) > 0 {
		old, ok := t.routes[t.order[0]]
		if ok && old.expires > now {
			break
		}
		delete(t.routes, t.order[0])
		t.order = t.order[1:]
	}
	if t.routes == nil {
		t.routes = make(map[int64]ackRoute)
	}
	t.next++
	t.routes[t.next] = r
	t.order = append(t.order, t.next)
	return t.next
}

// take returns and forgets the route of a client-facing id.
func (t *ackTable) take(id int64, now int64) (ackRoute, bool) {
	r, ok := t.routes[id]
	if !ok || r.expires <= now {
		return ackRoute{}, false
	}
	delete(t.routes, id)
	return r, true
}

// withAckID returns u with its packet's ack id replaced; hdr has parsed
// u.Parts[0][1:]. The result uses h's scratch buffers (h.mu held).
func (h *homeSession) withAckID(u proxy.Unit, hdr *socketio.Header, id int64) proxy.Unit {
	h.ackBuf = hdr.AppendWithID(append(h.ackBuf[:0], '4'), id)
	h.ackParts = append(append(h.ackParts[:0], h.ackBuf), u.Parts[1:]...)
	return proxy.Unit{Op: u.Op, Parts: h.ackParts}
}

// clientFacingLocked gives a server→client event that asks for an ack an id
// of the session's space; node is "" for the home backend.
func (h *homeSession) clientFacingLocked(u proxy.Unit, info *unitInfo, hdr *socketio.Header, node string) proxy.Unit {
	if info.kind != unitEvent || info.ackID == socketio.NoID || h.c.ev.protocol != proxy.ProtocolSocketIO {
		return u
	}
	now := time.Now().UnixNano()
	id := h.acks.add(ackRoute{node: node, id: info.ackID, expires: now + h.c.cfg.AckTTL.Nanoseconds()}, now)
	return h.withAckID(u, hdr, id)
}

// routeAckLocked sends the client's ack to the backend that asked; false
// means the ack is not one of ours and goes to the home backend as is.
func (h *homeSession) routeAckLocked(u proxy.Unit, info *unitInfo) (proxy.Unit, bool) {
	r, ok := h.acks.take(info.ackID, time.Now().UnixNano())
	if !ok {
		return u, false
	}
	u = h.withAckID(u, &h.hdrIn, r.id)
	if r.node == "" {
		return u, false
	}
	h.c.sendControl(r.node, KindAck, h.id, 0, appendUnit(nil, u))
	return u, true
}

// onAck writes a client's ack, routed here by its home, to this mirror.
func (m *mirror) onAck(enc []byte) { m.push(enc, 0) }
