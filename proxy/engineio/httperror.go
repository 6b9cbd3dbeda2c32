package engineio

import "strconv"

// ErrorCode is the code of the JSON body an Engine.IO server answers a bad
// HTTP request with (status 400, or 403 for CodeForbidden), e.g.
// {"code":1,"message":"Session ID unknown"}.
type ErrorCode int

// Engine.IO v4 server error codes.
const (
	CodeUnknownTransport   ErrorCode = 0
	CodeUnknownSID         ErrorCode = 1
	CodeBadHandshakeMethod ErrorCode = 2
	CodeBadRequest         ErrorCode = 3
	CodeForbidden          ErrorCode = 4
	CodeUnsupportedVersion ErrorCode = 5
)

var codeMessages = [...]string{
	"Transport unknown",
	"Session ID unknown",
	"Bad handshake method",
	"Bad request",
	"Forbidden",
	"Unsupported protocol version",
}

// errorBodies holds every body encoded once.
var errorBodies = func() [][]byte {
	out := make([][]byte, len(codeMessages))
	for i, m := range codeMessages {
		b := append([]byte(`{"code":`), strconv.Itoa(i)...)
		b = append(b, `,"message":`...)
		out[i] = append(appendJSONString(b, m), '}')
	}
	return out
}()

// Message returns the text the reference server sends with c.
func (c ErrorCode) Message() string {
	if c < 0 || int(c) >= len(codeMessages) {
		return "Bad request"
	}
	return codeMessages[c]
}

// Body returns the JSON error body for c, encoded once; do not modify it.
func (c ErrorCode) Body() []byte {
	if c < 0 || int(c) >= len(errorBodies) {
		return errorBodies[CodeBadRequest]
	}
	return errorBodies[c]
}

// Status returns the HTTP status the reference server uses with c.
func (c ErrorCode) Status() int {
	if c == CodeForbidden {
		return 403
	}
	return 400
}
