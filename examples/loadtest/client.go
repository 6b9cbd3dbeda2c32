package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/gobwas/ws"
)

// maxFrame bounds one frame from a server; chat frames are far smaller.
const maxFrame = 1 << 20

// writeTimeout bounds one write: a stalled server must not hang the run.
const writeTimeout = 10 * time.Second

// mask is the client's masking key. RFC 6455 wants it unpredictable to
// protect proxies from cache poisoning, which does not apply to a load
// generator on loopback; a constant keeps the writer free of randomness.
var mask = [4]byte{0x5a, 0x17, 0xc3, 0x8e}

// client is one member of a twin pair: a websocket to one entry node.
// Its reader goroutine owns br and rbuf; writes take wmu.
type client struct {
	r      *runner
	pair   int
	member int
	user   string
	room   string
	conn   net.Conn
	br     *bufio.Reader
	rbuf   []byte
	cbuf   []byte
	wmu    sync.Mutex
	bw     *bufio.Writer
	wbuf   []byte
	pong   []byte
	nextID int
}

func newClient(r *runner, pair, member int) *client {
	return &client{
		r: r, pair: pair, member: member,
		user: fmt.Sprintf("u%d%c", pair, 'a'+member),
		room: fmt.Sprintf("p%d", pair),
	}
}

// dial opens the websocket to base (an http:// URL).
func (c *client) dial(ctx context.Context, base string) error {
	u := c.r.proto.url(base, c.r.cfg.Path, c.user)
	conn, br, _, err := ws.Dialer{Timeout: 30 * time.Second}.Dial(ctx, u)
	if err != nil {
		return fmt.Errorf("dial %s: %w", u, err)
	}
	c.conn = conn
	if br == nil {
		br = bufio.NewReaderSize(conn, 16<<10)
	}
	c.br = br
	c.bw = bufio.NewWriterSize(conn, 4<<10)
	return nil
}

// readMessage returns the next whole data message, answering pings and
// skipping pongs on the way. The slice is valid until the next call.
func (c *client) readMessage() ([]byte, error) {
	c.rbuf = c.rbuf[:0]
	for {
		h, err := ws.ReadHeader(c.br)
		if err != nil {
			return nil, err
		}
		if h.Length > maxFrame || int64(len(c.rbuf))+h.Length > maxFrame {
			return nil, fmt.Errorf("%w: frame of %d bytes", errUnexpected, h.Length)
		}
		if h.OpCode.IsControl() {
			if err := c.control(h); err != nil {
				return nil, err
			}
			continue
		}
		start := len(c.rbuf)
		c.rbuf = grow(c.rbuf, int(h.Length))
		if _, err := io.ReadFull(c.br, c.rbuf[start:]); err != nil {
			return nil, err
		}
		if h.Masked {
			ws.Cipher(c.rbuf[start:], h.Mask, 0)
		}
		if h.Fin {
			return c.rbuf, nil
		}
	}
}

func (c *client) control(h ws.Header) error {
	c.cbuf = grow(c.cbuf[:0], int(h.Length))
	if _, err := io.ReadFull(c.br, c.cbuf); err != nil {
		return err
	}
	switch h.OpCode {
	case ws.OpClose:
		return errClosed
	case ws.OpPing:
		return c.writeFrame(ws.OpPong, c.cbuf)
	}
	return nil
}

// writeText sends p as one masked text frame; p is masked in place.
func (c *client) writeText(p []byte) error { return c.writeFrame(ws.OpText, p) }

func (c *client) writeFrame(op ws.OpCode, p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	h := ws.Header{Fin: true, OpCode: op, Masked: true, Mask: mask, Length: int64(len(p))}
	if err := ws.WriteHeader(c.bw, h); err != nil {
		return err
	}
	ws.Cipher(p, mask, 0)
	if _, err := c.bw.Write(p); err != nil {
		return err
	}
	return c.bw.Flush()
}

// send writes message k; only the sender goroutine calls it.
func (c *client) send(k int, ts time.Duration) error {
	c.r.text = appendText(c.r.text[:0], k, ts, c.r.cfg.TextPad)
	c.wbuf = c.r.proto.appendSend(c.wbuf[:0], c, c.r.text)
	return c.writeText(c.wbuf)
}

// readLoop records every room message until the connection ends.
func (c *client) readLoop() {
	for {
		p, err := c.readMessage()
		if err != nil {
			return
		}
		text, err := c.r.proto.handle(c, p)
		if err != nil {
			return
		}
		if text != nil {
			c.r.record(c, text)
		}
	}
}

func (c *client) close() {
	if c.conn != nil {
		_ = c.conn.Close()
	}
}

func grow(b []byte, n int) []byte {
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), len(b)+n)
		copy(nb, b)
		b = nb
	}
	return b[:len(b)+n]
}
