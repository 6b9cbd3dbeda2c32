package main

import (
	"bytes"
	"net/url"
)

// wsChat speaks the JSON protocol of examples/wschat: join, then say;
// room messages arrive as said.
type wsChat struct{}

var wsSaid = []byte(`"type":"said"`)

func (wsChat) url(base, path, user string) string {
	return wsURL(base, path, url.Values{"user": {user}})
}

func (w wsChat) setup(c *client) error {
	if err := c.writeText([]byte(`{"type":"join","room":"` + c.room + `"}`)); err != nil {
		return err
	}
	joined := []byte(`"type":"joined"`)
	me := []byte(`"user":"` + c.user + `"`)
	for {
		p, err := c.readMessage()
		if err != nil {
			return err
		}
		if bytes.Contains(p, joined) && bytes.Contains(p, me) {
			return nil
		}
	}
}

func (wsChat) appendSend(dst []byte, c *client, text []byte) []byte {
	dst = append(dst, `{"type":"say","room":"`...)
	dst = append(dst, c.room...)
	dst = append(dst, `","text":"`...)
	dst = append(dst, text...)
	return append(dst, `"}`...)
}

func (wsChat) handle(_ *client, p []byte) ([]byte, error) {
	if bytes.Contains(p, wsSaid) {
		return p, nil
	}
	return nil, nil
}
