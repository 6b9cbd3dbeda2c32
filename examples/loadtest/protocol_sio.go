package main

import (
	"bytes"
	"fmt"
	"net/url"
	"strconv"
)

// socketIO speaks Engine.IO v4 / Socket.IO v4 over a websocket to
// examples/socketio-chat: events join_twin_room and send_message, both
// with acks; room messages arrive as new_message.
type socketIO struct{}

var (
	sioNewMessage = []byte(`42["new_message",`)
	sioPong       = []byte("3")
)

func (socketIO) url(base, path, _ string) string {
	return wsURL(base, path, url.Values{"EIO": {"4"}, "transport": {"websocket"}})
}

func (s socketIO) setup(c *client) error {
	p, err := c.readMessage()
	if err != nil {
		return fmt.Errorf("read open packet: %w", err)
	}
	if len(p) == 0 || p[0] != '0' {
		return errFrame(p)
	}
	if err := c.writeText([]byte(`40{"userId":"` + c.user + `"}`)); err != nil {
		return err
	}
	if err := s.await(c, "40", "44"); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	c.nextID++
	id := strconv.Itoa(c.nextID)
	join := `42` + id + `["join_twin_room",{"twinPairId":"` + c.room + `"}]`
	if err := c.writeText([]byte(join)); err != nil {
		return err
	}
	if err := s.await(c, "43"+id+"[", ""); err != nil {
		return fmt.Errorf("join: %w", err)
	}
	return nil
}

// await reads until a message starts with want, answering pings; a
// message starting with refuse (when set) fails.
func (s socketIO) await(c *client, want, refuse string) error {
	for {
		p, err := c.readMessage()
		if err != nil {
			return err
		}
		switch {
		case bytes.HasPrefix(p, []byte(want)):
			return nil
		case refuse != "" && bytes.HasPrefix(p, []byte(refuse)):
			return fmt.Errorf("%w: %q", errRefused, p)
		}
		if _, err := s.handle(c, p); err != nil {
			return err
		}
	}
}

func (socketIO) appendSend(dst []byte, c *client, text []byte) []byte {
	c.nextID++
	dst = append(dst, "42"...)
	dst = strconv.AppendInt(dst, int64(c.nextID), 10)
	dst = append(dst, `["send_message",{"twinPairId":"`...)
	dst = append(dst, c.room...)
	dst = append(dst, `","text":"`...)
	dst = append(dst, text...)
	return append(dst, `"}]`...)
}

func (socketIO) handle(c *client, p []byte) ([]byte, error) {
	switch {
	case len(p) == 1 && p[0] == '2':
		pong := c.pong[:0]
		c.pong = append(pong, sioPong...)
		return nil, c.writeText(c.pong)
	case len(p) == 1 && p[0] == '1':
		return nil, errClosed
	case bytes.HasPrefix(p, sioNewMessage):
		return p, nil
	case len(p) > 2 && p[0] == '4' && p[1] == '3':
		c.r.acks.Add(1)
	}
	return nil, nil
}
