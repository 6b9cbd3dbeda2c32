package main

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

// scriptWait bounds every expected delivery of the demo script; with
// mirrors off, a delivery that does not come is shown after missWait.
const (
	scriptWait = 10 * time.Second
	missWait   = 2 * time.Second
)

// demoStep is one message a client sends, the broadcast it causes and who
// must receive it.
type demoStep struct {
	from string
	send wschat.Message
	want wschat.Message
	to   []string
}

var demoSteps = []demoStep{
	{"alice", wschat.Message{Type: "join", Room: "lobby"},
		wschat.Message{Type: "joined", Room: "lobby", User: "alice"}, []string{"alice"}},
	{"bob", wschat.Message{Type: "join", Room: "lobby"},
		wschat.Message{Type: "joined", Room: "lobby", User: "bob"}, []string{"alice", "bob"}},
	{"alice", wschat.Message{Type: "say", Room: "lobby", Text: "hello bob"},
		wschat.Message{Type: "said", Room: "lobby", From: "alice", Text: "hello bob"}, []string{"alice", "bob"}},
	{"bob", wschat.Message{Type: "say", Room: "lobby", Text: "hi alice, all good here"},
		wschat.Message{Type: "said", Room: "lobby", From: "bob", Text: "hi alice, all good here"}, []string{"alice", "bob"}},
}

// runScript connects each client to its node (bases: user → ws:// base of
// its node, demoHomes names the node) and plays demoSteps, printing one
// line per message sent and per delivery. With mirrorsOn false a missing
// delivery is printed and the script goes on: it shows what mirrors fix.
func runScript(ctx context.Context, out io.Writer, bases map[string]string, mirrorsOn bool) error {
	clients := make(map[string]*demoClient)
	defer func() {
		for _, c := range clients {
			c.close()
		}
	}()
	for _, name := range []string{"alice", "bob"} {
		c, err := dialDemo(ctx, bases[name], name)
		if err != nil {
			return err
		}
		clients[name] = c
	}
	for _, st := range demoSteps {
		sent := time.Now()
		if err := clients[st.from].send(st.send); err != nil {
			return err
		}
		fmt.Fprintf(out, "%-5s → %s  %s\n", st.from, demoHomes[st.from], describe(st.send))
		for _, to := range st.to {
			if err := expectDelivery(ctx, out, clients[to], to, st, sent, mirrorsOn); err != nil {
				return err
			}
		}
	}
	return nil
}

// expectDelivery waits for st's broadcast at client to and prints it.
func expectDelivery(ctx context.Context, out io.Writer, c *demoClient, to string, st demoStep, sent time.Time, mirrorsOn bool) error {
	wait := scriptWait
	if !mirrorsOn && demoHomes[to] != demoHomes[st.from] {
		wait = missWait
	}
	d, err := c.next(ctx, wait)
	switch {
	case err != nil && wait == missWait && !errors.Is(err, errClientGone):
		fmt.Fprintf(out, "%-5s ✗ %s  %s never arrived (MIRRORS=off: %s's backend never saw it)\n", to, demoHomes[to], describe(st.want), demoHomes[to])
		return nil
	case err != nil:
		return fmt.Errorf("%s waiting for %s: %w", to, describe(st.want), err)
	case !sameMessage(d.msg, st.want):
		return fmt.Errorf("%s got %s, want %s", to, describe(d.msg), describe(st.want))
	}
	fmt.Fprintf(out, "%-5s ← %s  %s  delivered in %s\n", to, demoHomes[to], describe(d.msg), d.at.Sub(sent).Round(10*time.Microsecond))
	return nil
}

func sameMessage(a, b wschat.Message) bool {
	return a.Type == b.Type && a.Room == b.Room && a.Text == b.Text && a.From == b.From && a.User == b.User
}

func describe(m wschat.Message) string {
	switch m.Type {
	case "say":
		return fmt.Sprintf("say %q in %s", m.Text, m.Room)
	case "said":
		return fmt.Sprintf("said %q in %s from %s", m.Text, m.Room, m.From)
	case "join", "leave":
		return m.Type + " " + m.Room
	case "joined", "left":
		return fmt.Sprintf("%s %s: %s", m.Type, m.Room, m.User)
	}
	p, _ := json.Marshal(m)
	return string(p)
}

// demoClient is a scripted WebSocket client; its readLoop goroutine stamps
// each message on arrival, and close stops and waits for it.
type demoClient struct {
	conn      net.Conn
	in        chan delivery
	done      chan struct{}
	once      sync.Once
	closeCode ws.StatusCode // how the server closed; readable once in is closed
}

type delivery struct {
	msg wschat.Message
	at  time.Time
}

func dialDemo(ctx context.Context, base, user string) (*demoClient, error) {
	dctx, cancel := context.WithTimeout(ctx, scriptWait)
	defer cancel()
	conn, br, _, err := ws.Dial(dctx, base+"/ws?user="+user)
	if err != nil {
		return nil, fmt.Errorf("%s: connect: %w", user, err)
	}
	c := &demoClient{conn: conn, in: make(chan delivery, 64), done: make(chan struct{})}
	if br == nil {
		br = bufio.NewReader(conn)
	}
	go c.readLoop(br)
	return c, nil
}

func (c *demoClient) readLoop(br *bufio.Reader) {
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
			c.in <- delivery{msg: m, at: time.Now()}
		}
	}
}

func (c *demoClient) send(m wschat.Message) error {
	p, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return wsutil.WriteClientText(c.conn, p)
}

var errClientGone = errors.New("connection closed")

func (c *demoClient) next(ctx context.Context, wait time.Duration) (delivery, error) {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case d, ok := <-c.in:
		if !ok {
			return delivery{}, errClientGone
		}
		return d, nil
	case <-t.C:
		return delivery{}, fmt.Errorf("nothing within %s", wait)
	case <-ctx.Done():
		return delivery{}, ctx.Err()
	}
}

// close says goodbye with 1000 and waits for readLoop.
func (c *demoClient) close() {
	c.once.Do(func() {
		_ = wsutil.WriteClientMessage(c.conn, ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))
		_ = c.conn.SetReadDeadline(time.Now().Add(time.Second))
		for range c.in { // drain until readLoop sees the close echo
		}
		_ = c.conn.Close()
		<-c.done
	})
}
