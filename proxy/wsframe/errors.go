package wsframe

import (
	"errors"

	"github.com/gobwas/ws"
)

// Error is a protocol violation together with the RFC 6455 close code the
// connection must be closed with.
type Error struct {
	Code ws.StatusCode
	Msg  string
}

func (e *Error) Error() string { return "wsframe: " + e.Msg }

// Protocol violations, each carrying its close code. They are preallocated so the
// error path allocates nothing either.
var (
	ErrReservedOpCode     = &Error{ws.StatusProtocolError, "reserved opcode"}
	ErrRSV                = &Error{ws.StatusProtocolError, "RSV bits set without a negotiated extension"}
	ErrUnmaskedFrame      = &Error{ws.StatusProtocolError, "unmasked frame from a client"}
	ErrMaskedFrame        = &Error{ws.StatusProtocolError, "masked frame from a server"}
	ErrControlTooLong     = &Error{ws.StatusProtocolError, "control frame payload over 125 bytes"}
	ErrControlFragmented  = &Error{ws.StatusProtocolError, "fragmented control frame"}
	ErrUnexpectedContinue = &Error{ws.StatusProtocolError, "continuation frame without a started message"}
	ErrExpectedContinue   = &Error{ws.StatusProtocolError, "new data frame inside a fragmented message"}
	ErrLengthMSB          = &Error{ws.StatusProtocolError, "64-bit payload length with the most significant bit set"}
	ErrBadCloseCode       = &Error{ws.StatusProtocolError, "invalid close code"}
	ErrBadClosePayload    = &Error{ws.StatusProtocolError, "close payload of one byte"}
	ErrInvalidUTF8        = &Error{ws.StatusInvalidFramePayloadData, "invalid UTF-8 in a text message"}
	ErrTooLarge           = &Error{ws.StatusMessageTooBig, "message over the maximum payload"}
)

// CloseCode returns the close code err asks for: the code of a *Error, or 1011
// (internal error) for anything else.
func CloseCode(err error) ws.StatusCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ws.StatusInternalServerError
}
