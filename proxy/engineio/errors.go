package engineio

import "errors"

var (
	// ErrEmptyPacket is returned for a packet with no type byte.
	ErrEmptyPacket = errors.New("engineio: empty packet")
	// ErrUnknownPacketType is returned for a type byte outside '0'..'6'.
	ErrUnknownPacketType = errors.New("engineio: unknown packet type")
	// ErrBadBase64 is returned for a "b" polling packet that is not valid base64.
	ErrBadBase64 = errors.New("engineio: bad base64 in binary packet")
	// ErrBadHandshake is returned for an open packet whose JSON is not a valid handshake.
	ErrBadHandshake = errors.New("engineio: bad handshake")
	// ErrPayloadTooLarge is returned when a polling payload exceeds the decoder's limit.
	ErrPayloadTooLarge = errors.New("engineio: payload too large")
)
