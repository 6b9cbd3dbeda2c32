package engineio

import "fmt"

// PacketType is an Engine.IO v4 packet type. On the wire it is one ASCII digit.
type PacketType byte

// Engine.IO v4 packet types.
const (
	Open    PacketType = 0 // server → client, JSON handshake
	Close   PacketType = 1 // either way, no data
	Ping    PacketType = 2 // server → client ("2probe" from client during upgrade)
	Pong    PacketType = 3 // client → server ("3probe" from server during upgrade)
	Message PacketType = 4 // either way, text or binary data
	Upgrade PacketType = 5 // client → server, completes the websocket upgrade
	Noop    PacketType = 6 // server → client, releases a pending polling GET
)

var typeNames = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

func (t PacketType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("PacketType(%d)", byte(t))
}

// Packet is one Engine.IO packet. Data aliases the buffer it was parsed from.
// Binary is true for binary message data (a websocket binary frame or a
// polling "b" packet); binary packets are always of type Message.
type Packet struct {
	Type   PacketType
	Binary bool
	Data   []byte
}

// Control packets encoded once; callers must not modify them.
var (
	PingPacket  = []byte("2")
	PongPacket  = []byte("3")
	ClosePacket = []byte("1")
	NoopPacket  = []byte("6")
	// NoopClosePayload is the polling payload of a noop and a close
	// packet: what the reference server answers a GET that finds a
	// server-closed session with nothing left to send.
	NoopClosePayload = []byte("6\x1e1")
	UpgradePacket    = []byte("5")
	ProbePing        = []byte("2probe")
	ProbePong        = []byte("3probe")
)

// ParsePacket parses one websocket message. A binary websocket message is a
// binary Message packet as a whole; a text one starts with its type digit.
func ParsePacket(msg []byte, binary bool) (Packet, error) {
	if binary {
		return Packet{Type: Message, Binary: true, Data: msg}, nil
	}
	return parseText(msg)
}

func parseText(b []byte) (Packet, error) {
	if len(b) == 0 {
		return Packet{}, ErrEmptyPacket
	}
	t := b[0] - '0'
	if t > byte(Noop) {
		return Packet{}, ErrUnknownPacketType
	}
	return Packet{Type: PacketType(t), Data: b[1:]}, nil
}

// AppendPacket appends the websocket encoding of p to dst: the type digit and
// the data for a text packet, the bare data for a binary one.
func AppendPacket(dst []byte, p Packet) []byte {
	if p.Binary {
		return append(dst, p.Data...)
	}
	dst = append(dst, '0'+byte(p.Type))
	return append(dst, p.Data...)
}
