package wschat_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/sidecast/sidecast/examples/wschat"
)

// waitFor bounds every read in these tests; generous for a loaded machine.
const waitFor = 10 * time.Second

// startServer runs a wschat server on a real loopback listener.
func startServer(t *testing.T, opts wschat.Options) (*wschat.Server, *httptest.Server) {
	t.Helper()
	chat := wschat.NewServer(opts)
	hs := httptest.NewServer(chat)
	t.Cleanup(func() {
		_ = chat.Close()
		hs.Close()
	})
	return chat, hs
}

// client is a real WebSocket client over TCP.
type client struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
}

func dial(t *testing.T, hs *httptest.Server, user string) *client {
	t.Helper()
	u := "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws?user=" + user
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	conn, br, _, err := ws.Dial(ctx, u)
	if err != nil {
		t.Fatalf("dial %s: %v", u, err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	c := &client{t: t, conn: conn}
	if br != nil {
		c.br = br
	} else {
		c.br = bufio.NewReader(conn)
	}
	return c
}

func (c *client) send(m wschat.Message) {
	c.t.Helper()
	p, err := json.Marshal(m)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(ws.OpText, p)
}

func (c *client) sendRaw(op ws.OpCode, p []byte) {
	c.t.Helper()
	if err := wsutil.WriteClientMessage(c.conn, op, p); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// next reads the next data message, failing the test after waitFor.
func (c *client) next() wschat.Message {
	c.t.Helper()
	p, err := c.read()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	var m wschat.Message
	if err := json.Unmarshal(p, &m); err != nil {
		c.t.Fatalf("bad json %q: %v", p, err)
	}
	return m
}

func (c *client) read() ([]byte, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(waitFor))
	p, _, err := wsutil.ReadServerData(readWriter{c.br, c.conn})
	return p, err
}

// readClose reads until the server's close frame. The server closes its
// socket right behind that frame, so the reply to it may fail with a broken
// pipe; the close code is what the caller wants to see.
func (c *client) readClose() error {
	_ = c.conn.SetReadDeadline(time.Now().Add(waitFor))
	_, _, err := wsutil.ReadServerData(readWriter{c.br, replyBestEffort{c.conn}})
	return err
}

// replyBestEffort writes control replies and ignores a peer that already
// hung up.
type replyBestEffort struct{ w net.Conn }

func (r replyBestEffort) Write(p []byte) (int, error) {
	_, _ = r.w.Write(p)
	return len(p), nil
}

// readWriter reads from the buffered reader the dialer returned and writes
// control replies to the connection.
type readWriter struct {
	r *bufio.Reader
	w io.Writer
}

func (rw readWriter) Read(p []byte) (int, error)  { return rw.r.Read(p) }
func (rw readWriter) Write(p []byte) (int, error) { return rw.w.Write(p) }

// expect reads the next message and compares it with want.
func (c *client) expect(want wschat.Message) {
	c.t.Helper()
	got := c.next()
	if !equal(got, want) {
		c.t.Fatalf("got %+v, want %+v", got, want)
	}
}

func equal(a, b wschat.Message) bool {
	pa, _ := json.Marshal(a)
	pb, _ := json.Marshal(b)
	return string(pa) == string(pb)
}

// quiet proves that c received nothing before the answer to a request it
// sends now: the server answers in order, so any stray message would come
// first.
func (c *client) quiet(room string) {
	c.t.Helper()
	c.send(wschat.Message{Type: "members", Room: room})
	if got := c.next(); got.Type != "members" {
		c.t.Fatalf("unexpected message %+v", got)
	}
}

var timeNow = time.Now
