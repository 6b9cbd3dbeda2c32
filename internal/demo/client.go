package demo

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/examples/wschat"
)

// Client is the demo's scripted WebSocket client of examples/wschat; the
// process tests drive nodes with it too. Its readLoop goroutine stamps each
// message on arrival, and Close stops and waits for it.
type Client struct {
	conn      net.Conn
	in        chan Delivery
	done      chan struct{}
	once      sync.Once
	closeCode ws.StatusCode // how the server closed; readable once in is closed (CloseCode)
}

// Delivery is one message as the client received it.
type Delivery struct {
	Msg wschat.Message
	At  time.Time // when readLoop read it
}

// Dial connects user to the wschat backend behind the node at base
// (http://host:port), bounded by ScriptWait.
func Dial(ctx context.Context, base, user string) (*Client, error) {
	dctx, cancel := context.WithTimeout(ctx, ScriptWait)
	defer cancel()
	conn, br, _, err := ws.Dial(dctx, base+"/ws?user="+user)
	if err != nil {
		return nil, fmt.Errorf("%s: connect: %w", user, err)
	}
	return NewClient(conn, br), nil
}

func (c *Client) readLoop(br *bufio.Reader) {
	defer close(c.done)
	defer close(c.in)
	rw := struct {
		io.Reader
		io.Writer
	}{br, c.conn}
	for {
		p, _, err := wsutil.ReadServerData(rw)
		if err != nil {
			var closed wsutil.ClosedError
			if errors.As(err, &closed) {
				c.closeCode = closed.Code
			}
			return
		}
		var m wschat.Message
		if json.Unmarshal(p, &m) == nil {
			c.in <- Delivery{Msg: m, At: time.Now()}
		}
	}
}

// Send writes m as one text message.
func (c *Client) Send(m wschat.Message) error {
	p, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return wsutil.WriteClientText(c.conn, p)
}

var errClientGone = errors.New("connection closed")

// Next waits up to wait for the next message; errClientGone once the
// connection closed.
func (c *Client) Next(ctx context.Context, wait time.Duration) (Delivery, error) {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case d, ok := <-c.in:
		if !ok {
			return Delivery{}, errClientGone
		}
		return d, nil
	case <-t.C:
		return Delivery{}, fmt.Errorf("nothing within %s", wait)
	case <-ctx.Done():
		return Delivery{}, ctx.Err()
	}
}

// Close says goodbye with 1000 and waits for readLoop; idempotent.
func (c *Client) Close() {
	c.once.Do(func() {
		_ = wsutil.WriteClientMessage(c.conn, ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))
		_ = c.conn.SetReadDeadline(time.Now().Add(time.Second))
		for range c.in { // drain until readLoop sees the close echo
		}
		_ = c.conn.Close()
		<-c.done
	})
}

// NewClient runs a Client on a connection already upgraded (by a test's own
// dialer, say); br holds what the dialer read past the handshake, or nil.
func NewClient(conn net.Conn, br *bufio.Reader) *Client {
	c := &Client{conn: conn, in: make(chan Delivery, 64), done: make(chan struct{})}
	if br == nil {
		br = bufio.NewReader(conn)
	}
	go c.readLoop(br)
	return c
}

// WaitClosed discards messages until the server closes the connection, at
// most within, and returns the close code it sent (0 when none came).
func (c *Client) WaitClosed(within time.Duration) ws.StatusCode {
	_ = c.conn.SetReadDeadline(time.Now().Add(within))
	for range c.in { // discard until readLoop ends
	}
	return c.closeCode
}

// CloseCode is how the server closed the connection; valid once Next has
// reported errClientGone.
func (c *Client) CloseCode() ws.StatusCode { return c.closeCode }

// Messages is the channel of deliveries, closed when the connection ends.
func (c *Client) Messages() <-chan Delivery { return c.in }
