package wschat

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"sync"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// client is one upgraded connection. readLoop owns br and the handlers;
// writeLoop owns writes of data frames. Control replies (pong, close echo)
// are written by readLoop through wmu so frames never interleave.
type client struct {
	srv  *Server
	conn net.Conn
	br   *bufio.Reader
	user string

	out       chan []byte
	done      chan struct{} // closed once by shutdown
	closeOnce sync.Once
	wmu       sync.Mutex // serialises whole frames on conn

	rooms map[string]struct{} // guarded by srv.mu
}

func newClient(s *Server, conn net.Conn, br *bufio.Reader, user string) *client {
	return &client{
		srv:   s,
		conn:  conn,
		br:    br,
		user:  user,
		out:   make(chan []byte, s.opts.QueueSize),
		done:  make(chan struct{}),
		rooms: make(map[string]struct{}),
	}
}

// Write writes one whole frame; it lets control replies share the connection
// with writeLoop.
func (c *client) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.conn.Write(p)
}

// enqueue queues p for writeLoop, and disconnects a client too slow to keep
// up instead of blocking the sender (who may hold the room lock).
func (c *client) enqueue(p []byte) {
	select {
	case c.out <- p:
	case <-c.done:
	default:
		c.srv.opts.Logger.Warn("wschat: dropping slow client", "user", c.user, "err", errQueueFull)
		c.shutdown()
	}
}

// shutdown closes the connection once; both loops then return.
func (c *client) shutdown() {
	c.closeOnce.Do(func() {
		close(c.done)
		_ = c.conn.Close()
	})
}

// goAway says 1001 and disconnects; used by Server.Close.
func (c *client) goAway() {
	_, _ = c.Write(ws.CompiledCloseGoingAway)
	c.shutdown()
}

// readLoop reads client messages until the connection ends and runs their
// handlers; on exit the client leaves its rooms.
func (c *client) readLoop() {
	defer c.srv.wg.Done()
	defer c.shutdown()
	defer c.srv.drop(c)
	rd := &wsutil.Reader{
		Source:         c.br,
		State:          ws.StateServerSide,
		CheckUTF8:      true,
		MaxMessageSize: c.srv.opts.MaxMessage,
	}
	control := wsutil.ControlFrameHandler(c, ws.StateServerSide)
	rd.OnIntermediate = control
	for {
		p, op, err := c.readMessage(rd, control)
		if err != nil {
			c.closeWithError(err)
			return
		}
		if op == ws.OpBinary {
			c.enqueue(encode(Message{Type: "error", Error: errBinaryFrames.Error()}))
			continue
		}
		m, err := ParseMessage(p)
		if err != nil {
			c.enqueue(encode(Message{Type: "error", Error: err.Error()}))
			continue
		}
		c.srv.handle(c, m)
	}
}

// readMessage returns the next data message, answering control frames.
func (c *client) readMessage(rd *wsutil.Reader, control wsutil.FrameHandlerFunc) ([]byte, ws.OpCode, error) {
	for {
		hdr, err := rd.NextFrame()
		if err != nil {
			return nil, 0, err
		}
		if hdr.OpCode.IsControl() {
			if err := control(hdr, rd); err != nil {
				return nil, 0, err
			}
			continue
		}
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(rd); err != nil {
			return nil, 0, err
		}
		return buf.Bytes(), hdr.OpCode, nil
	}
}

// closeWithError sends the close code RFC 6455 asks for when the client
// broke the protocol; a normal close was already answered by the control
// handler.
func (c *client) closeWithError(err error) {
	var code ws.StatusCode
	switch {
	case errors.Is(err, wsutil.ErrMessageTooLarge), errors.Is(err, wsutil.ErrFrameTooLarge):
		code = ws.StatusMessageTooBig
	case errors.Is(err, wsutil.ErrInvalidUTF8):
		code = ws.StatusInvalidFramePayloadData
	case errors.As(err, new(ws.ProtocolError)):
		code = ws.StatusProtocolError
	default:
		return
	}
	_, _ = c.Write(ws.MustCompileFrame(ws.NewCloseFrame(ws.NewCloseFrameBody(code, ""))))
}

// writeLoop writes queued messages until the client is shut down.
func (c *client) writeLoop() {
	defer c.srv.wg.Done()
	var frame bytes.Buffer
	for {
		select {
		case p := <-c.out:
			frame.Reset()
			if err := wsutil.WriteServerText(&frame, p); err != nil {
				c.shutdown()
				return
			}
			if _, err := c.Write(frame.Bytes()); err != nil {
				c.shutdown()
				return
			}
		case <-c.done:
			return
		}
	}
}

var _ io.Writer = (*client)(nil)
