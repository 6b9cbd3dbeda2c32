package socketio

import "errors"

var (
	// ErrEmptyPacket is returned for a packet with no type digit.
	ErrEmptyPacket = errors.New("socketio: empty packet")
	// ErrUnknownType is returned for a type digit outside 0..6.
	ErrUnknownType = errors.New("socketio: unknown packet type")
	// ErrBadAttachments is returned for a binary packet whose attachment
	// count is missing, not a number, or not followed by '-'.
	ErrBadAttachments = errors.New("socketio: bad attachment count")
	// ErrBadAckID is returned for an ack id that does not fit the id range.
	ErrBadAckID = errors.New("socketio: bad ack id")
	// ErrBadPayload is returned for a payload that does not fit the packet
	// type (an EVENT without an array whose first element is a string, …).
	ErrBadPayload = errors.New("socketio: bad payload")
	// ErrTooManyAttachments is returned when a packet announces more
	// attachments than the Assembler allows.
	ErrTooManyAttachments = errors.New("socketio: too many attachments")
	// ErrAttachmentTooLarge is returned when a unit's bytes exceed the
	// Assembler's limit.
	ErrAttachmentTooLarge = errors.New("socketio: attachments too large")
	// ErrUnexpectedBinary is returned for a binary message that no packet announced.
	ErrUnexpectedBinary = errors.New("socketio: unexpected binary message")
	// ErrIncompleteUnit is returned when a text packet arrives while a
	// binary packet still waits for attachments.
	ErrIncompleteUnit = errors.New("socketio: packet interrupted its attachments")
)
