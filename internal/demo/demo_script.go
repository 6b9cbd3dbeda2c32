package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/sidecast/sidecast/examples/wschat"
)

// ScriptWait bounds every expected delivery of the demo script; with
// mirrors off, a delivery that does not come is shown after missWait.
const (
	ScriptWait = 10 * time.Second
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
	clients := make(map[string]*Client)
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for _, name := range []string{"alice", "bob"} {
		c, err := Dial(ctx, bases[name], name)
		if err != nil {
			return err
		}
		clients[name] = c
	}
	for _, st := range demoSteps {
		sent := time.Now()
		if err := clients[st.from].Send(st.send); err != nil {
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
func expectDelivery(ctx context.Context, out io.Writer, c *Client, to string, st demoStep, sent time.Time, mirrorsOn bool) error {
	wait := ScriptWait
	if !mirrorsOn && demoHomes[to] != demoHomes[st.from] {
		wait = missWait
	}
	d, err := c.Next(ctx, wait)
	switch {
	case err != nil && wait == missWait && !errors.Is(err, errClientGone):
		fmt.Fprintf(out, "%-5s ✗ %s  %s never arrived (MIRRORS=off: %s's backend never saw it)\n", to, demoHomes[to], describe(st.want), demoHomes[to])
		return nil
	case err != nil:
		return fmt.Errorf("%s waiting for %s: %w", to, describe(st.want), err)
	case !sameMessage(d.Msg, st.want):
		return fmt.Errorf("%s got %s, want %s", to, describe(d.Msg), describe(st.want))
	}
	fmt.Fprintf(out, "%-5s ← %s  %s  delivered in %s\n", to, demoHomes[to], describe(d.Msg), d.At.Sub(sent).Round(10*time.Microsecond))
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
