package difftest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// wsClient is a plain WebSocket client (PROTOCOL=websocket scenarios). Its
// readLoop records every text message as an event named by the message's
// "type" field; close stops and waits for it.
type wsClient struct {
	name string
	conn net.Conn
	box  *inbox
	done chan struct{}
	wmu  sync.Mutex
	once sync.Once
}

func dialWS(ctx context.Context, url, name string, box *inbox) (*wsClient, error) {
	conn, br, _, err := ws.Dial(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("%s: dial %s: %w", name, url, err)
	}
	c := &wsClient{name: name, conn: conn, box: box, done: make(chan struct{})}
	if br == nil {
		br = bufio.NewReader(conn)
	}
	box.add(Msg{Type: "connect", Name: name})
	go c.readLoop(br)
	return c, nil
}

func (c *wsClient) readLoop(br *bufio.Reader) {
	defer close(c.done)
	rw := struct {
		io.Reader
		io.Writer
	}{br, c.conn}
	for {
		p, op, err := wsutil.ReadServerData(rw)
		if err != nil {
			reason := "transport close"
			var closed wsutil.ClosedError
			if errors.As(err, &closed) {
				reason = "close " + strconv.Itoa(int(closed.Code))
			}
			c.box.add(Msg{Type: "disconnect", Name: c.name, Reason: reason})
			return
		}
		if op != ws.OpText {
			c.box.add(Msg{Type: "event", Name: c.name, Event: "<binary>", Args: []json.RawMessage{mustJSON(p)}})
			continue
		}
		var head struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(p, &head)
		c.box.add(Msg{Type: "event", Name: c.name, Event: head.Type, Args: []json.RawMessage{append(json.RawMessage(nil), p...)}})
	}
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

func (c *wsClient) send(v any) error {
	p, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return wsutil.WriteClientText(c.conn, p)
}

// close says goodbye with 1000, waits up to a second for the server's
// close, then closes the socket and waits for readLoop; idempotent.
func (c *wsClient) close() {
	c.once.Do(func() {
		c.wmu.Lock()
		_ = wsutil.WriteClientMessage(c.conn, ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))
		c.wmu.Unlock()
		select {
		case <-c.done:
		case <-time.After(time.Second):
		}
		_ = c.conn.Close()
		<-c.done
	})
}
