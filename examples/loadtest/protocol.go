package main

import (
	"bytes"
	"fmt"
	"net/url"
	"strconv"
)

// protocol is what differs between the Socket.IO chat and the plain
// websocket chat: the URL, the handshake and join, and the frames.
type protocol interface {
	// url is the websocket URL of user's connection to base.
	url(base, path, user string) string
	// setup runs the handshake and joins c.room; it returns once joined.
	setup(c *client) error
	// appendSend appends the frame that sends text to c.room.
	appendSend(dst []byte, c *client, text []byte) []byte
	// handle answers protocol-level frames and returns the text of a room
	// message, or nil.
	handle(c *client, p []byte) ([]byte, error)
}

func newProtocol(name string) protocol {
	if name == "websocket" {
		return wsChat{}
	}
	return socketIO{}
}

// wsURL turns an http(s) base URL into a ws(s) URL with path and query.
func wsURL(base, path string, q url.Values) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	case "http":
		u.Scheme = "ws"
	}
	u.Path = path
	u.RawQuery = q.Encode()
	return u.String()
}

// appendText writes a message's text: its number, a dot, the send time in
// nanoseconds since the run's start, then pad filler bytes.
func appendText(dst []byte, k int, ts interface{ Nanoseconds() int64 }, pad int) []byte {
	dst = strconv.AppendInt(dst, int64(k), 10)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, ts.Nanoseconds(), 10)
	for i := 0; i < pad; i++ {
		dst = append(dst, 'x')
	}
	return dst
}

var textKey = []byte(`"text":"`)

// parseText finds the "text" field of a JSON frame and returns the message
// number and send time it carries.
func parseText(p []byte) (k int, ts int64, ok bool) {
	i := bytes.Index(p, textKey)
	if i < 0 {
		return 0, 0, false
	}
	p = p[i+len(textKey):]
	n, p, ok1 := digits(p)
	if !ok1 || len(p) == 0 || p[0] != '.' {
		return 0, 0, false
	}
	t, _, ok2 := digits(p[1:])
	if !ok2 {
		return 0, 0, false
	}
	return int(n), t, true
}

// digits reads at most 18 decimal digits, so the value cannot overflow.
func digits(p []byte) (int64, []byte, bool) {
	var n int64
	i := 0
	for ; i < len(p) && i < 18 && p[i] >= '0' && p[i] <= '9'; i++ {
		n = n*10 + int64(p[i]-'0')
	}
	return n, p[i:], i > 0
}

func errFrame(p []byte) error {
	if len(p) > 200 {
		p = p[:200]
	}
	return fmt.Errorf("%w: %q", errUnexpected, p)
}
