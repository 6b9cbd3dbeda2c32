package fanout

import (
	"github.com/gobwas/ws"

	"github.com/sidecast/sidecast/proxy"
	"github.com/sidecast/sidecast/proxy/socketio"
)

// EventMatch is one LOCAL_EVENTS entry: an event name and, when Field is
// set, a payload match (the event's first argument, or a websocket
// message, has Field equal to Value).
type EventMatch struct {
	Name, Field, Value string
}

// unitKind says what a unit means to the mirror mechanism.
type unitKind uint8

const (
	unitOther        unitKind = iota // an action or a reaction: relayed as is
	unitConnect                      // Socket.IO namespace CONNECT
	unitDisconnect                   // Socket.IO namespace DISCONNECT
	unitEvent                        // an event (membership or not, see info.member)
	unitAck                          // an ACK or BINARY_ACK
	unitConnectError                 // a CONNECT_ERROR
)

// unitInfo is what classify read from a unit; slices alias the unit or the
// caller's Header.
type unitInfo struct {
	kind   unitKind
	member bool   // CONNECT, DISCONNECT or a MIRROR_EVENTS event (client side)
	ns     []byte // namespace ("/" for websocket)
	event  []byte
	ackID  int64
	args   []byte // socketio: the event's arguments; websocket: the message
}

// events is the event configuration both sides classify with.
type events struct {
	protocol proxy.Protocol
	field    string
	mirror   map[string]bool
	reply    map[string]bool
	local    []EventMatch
}

var rootNS = []byte("/")

// classify reads u; hdr is the caller's scratch Header.
func (ev *events) classify(u proxy.Unit, hdr *socketio.Header) unitInfo {
	info := unitInfo{ns: rootNS, ackID: socketio.NoID}
	if len(u.Parts) == 0 {
		return info
	}
	p := u.Parts[0]
	if ev.protocol == proxy.ProtocolEngineIO {
		// A text message travels as its Engine.IO packet ("4…"); binary
		// data names no event.
		if u.Op != ws.OpText || len(p) == 0 || p[0] != '4' {
			info.args = p
			return info
		}
		p = p[1:]
	}
	if ev.protocol != proxy.ProtocolSocketIO {
		info.args = p
		if name, ok := jsonField(p, ev.field); ok {
			info.kind, info.event = unitEvent, jsonText(name)
			info.member = ev.mirror[string(info.event)]
		}
		return info
	}
	if len(p) < 2 || p[0] != '4' || hdr.Parse(p[1:]) != nil {
		return info
	}
	info.ns, info.ackID = hdr.Namespace, hdr.ID
	switch hdr.Type {
	case socketio.Connect:
		info.kind, info.member = unitConnect, true
	case socketio.Disconnect:
		info.kind, info.member = unitDisconnect, true
	case socketio.Event, socketio.BinaryEvent:
		info.kind, info.event, info.args = unitEvent, hdr.Event, eventArgs(hdr.Payload)
		info.member = ev.mirror[string(hdr.Event)]
	case socketio.Ack, socketio.BinaryAck:
		info.kind = unitAck
	case socketio.ConnectError:
		info.kind = unitConnectError
	}
	return info
}

// isLocal reports whether an event is a LOCAL_EVENTS echo.
func (ev *events) isLocal(info *unitInfo) bool {
	if info.kind != unitEvent {
		return false
	}
	for i := range ev.local {
		m := &ev.local[i]
		if m.Name != string(info.event) {
			continue
		}
		if m.Field == "" {
			return true
		}
		if v, ok := jsonField(info.args, m.Field); ok && string(jsonText(v)) == m.Value {
			return true
		}
	}
	return false
}
