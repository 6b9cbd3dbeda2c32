package socketio

import "fmt"

// PacketType is a Socket.IO v4 packet type, one ASCII digit on the wire.
type PacketType byte

// Socket.IO v4 packet types.
const (
	Connect      PacketType = 0 // namespace connect (client: auth payload; server: {"sid":…})
	Disconnect   PacketType = 1 // namespace disconnect, no payload
	Event        PacketType = 2 // ["name", args…], optional ack id
	Ack          PacketType = 3 // [args…], ack id required
	ConnectError PacketType = 4 // {"message":…} from the server
	BinaryEvent  PacketType = 5 // Event with N binary attachments following
	BinaryAck    PacketType = 6 // Ack with N binary attachments following
)

var typeNames = [...]string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"}

func (t PacketType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("PacketType(%d)", byte(t))
}

// IsEvent reports whether t carries an event name (EVENT or BINARY_EVENT).
func (t PacketType) IsEvent() bool { return t == Event || t == BinaryEvent }

// IsAck reports whether t answers an earlier ack id (ACK or BINARY_ACK).
func (t PacketType) IsAck() bool { return t == Ack || t == BinaryAck }

// IsBinary reports whether t announces binary attachments.
func (t PacketType) IsBinary() bool { return t == BinaryEvent || t == BinaryAck }
