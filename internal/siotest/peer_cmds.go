package siotest

import (
	"encoding/json"
	"testing"
	"time"
)

// Connect opens a socket; it does not wait (see WaitConnect).
func (p *Peer) Connect(t testing.TB, c Conn) {
	t.Helper()
	b, _ := json.Marshal(c)
	var cmd map[string]any
	_ = json.Unmarshal(b, &cmd)
	cmd["cmd"] = "connect"
	p.send(t, cmd)
}

// MustConnect opens a socket and waits for its connect.
func (p *Peer) MustConnect(t testing.TB, c Conn) Msg {
	t.Helper()
	p.Connect(t, c)
	return p.WaitConnect(t, c.Name)
}

// WaitConnect waits for socket name to connect, failing on connect_error.
func (p *Peer) WaitConnect(t testing.TB, name string) Msg {
	t.Helper()
	m := p.waitFor(t, DefaultWait, func(m *Msg) bool {
		return m.Name == name && (m.Type == "connect" || m.Type == "connect_error")
	}, name+" connect")
	if m.Type == "connect_error" {
		t.Fatalf("siotest: %s: connect_error %q", name, m.Message)
	}
	return m
}

// Emit sends an event without an ack.
func (p *Peer) Emit(t testing.TB, name, event string, args ...any) {
	t.Helper()
	p.send(t, map[string]any{"cmd": "emit", "name": name, "event": event, "args": wireArgs(args)})
}

// EmitWithAck sends an event, waits for the server's ack and returns it.
func (p *Peer) EmitWithAck(t testing.TB, name, event string, args ...any) Msg {
	t.Helper()
	p.mu.Lock()
	p.seq++
	seq := p.seq
	p.mu.Unlock()
	p.send(t, map[string]any{"cmd": "emit", "name": name, "event": event, "args": wireArgs(args), "ack": true, "seq": seq})
	m := p.waitFor(t, DefaultWait, func(m *Msg) bool {
		return m.Name == name && m.Seq == seq && (m.Type == "ack" || m.Type == "ack_error")
	}, name+" ack of "+event)
	if m.Type == "ack_error" {
		t.Fatalf("siotest: %s: ack of %q failed: %s", name, event, m.Message)
	}
	return m
}

// Disconnect closes socket name from the client side.
func (p *Peer) Disconnect(t testing.TB, name string) {
	t.Helper()
	p.send(t, map[string]any{"cmd": "disconnect", "name": name})
}

// Drop closes the Engine.IO transport under socket name, as a lost network would.
func (p *Peer) Drop(t testing.TB, name string) {
	t.Helper()
	p.send(t, map[string]any{"cmd": "drop", "name": name})
}

// Bin wraps bytes so they travel as a binary Socket.IO attachment.
type Bin []byte

// MarshalJSON encodes b as the peer's {"$bin": base64} form.
func (b Bin) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string][]byte{"$bin": b})
}

// UnmarshalJSON decodes the peer's {"$bin": base64} form.
func (b *Bin) UnmarshalJSON(data []byte) error {
	var v struct {
		Bin []byte `json:"$bin"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*b = v.Bin
	return nil
}

func wireArgs(args []any) []any {
	if args == nil {
		return []any{}
	}
	return args
}

// Wait waits for the next unconsumed message of socket name with the given
// type ("event", "disconnect", …) and, for events, event name; it consumes it.
func (p *Peer) Wait(t testing.TB, name, typ, event string) Msg {
	t.Helper()
	return p.waitFor(t, DefaultWait, func(m *Msg) bool {
		return m.Name == name && m.Type == typ && (event == "" || m.Event == event)
	}, name+" "+typ+" "+event)
}

// WaitEvent is Wait for an event.
func (p *Peer) WaitEvent(t testing.TB, name, event string) Msg {
	t.Helper()
	return p.Wait(t, name, "event", event)
}

// Count returns how many unconsumed messages match, without consuming them.
func (p *Peer) Count(name, typ, event string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, m := range p.msgs {
		if !m.used && m.Name == name && m.Type == typ && (event == "" || m.Event == event) {
			n++
		}
	}
	return n
}

// Events returns the events socket name got so far, consumed or not, in
// arrival order, each as its name and its arguments' JSON.
func (p *Peer) Events(name string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, m := range p.msgs {
		if m.Name == name && m.Type == "event" {
			args, _ := json.Marshal(m.Args)
			out = append(out, m.Event+" "+string(args))
		}
	}
	return out
}

// CountText counts the events name got (consumed or not) whose first
// argument has a "text" field equal to text.
func (p *Peer) CountText(name, event, text string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, m := range p.msgs {
		if m.Name != name || m.Type != "event" || m.Event != event || len(m.Args) == 0 {
			continue
		}
		var arg struct {
			Text string `json:"text"`
		}
		if json.Unmarshal(m.Args[0], &arg) == nil && arg.Text == text {
			n++
		}
	}
	return n
}

func (p *Peer) waitFor(t testing.TB, limit time.Duration, match func(*Msg) bool, what string) Msg {
	t.Helper()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		for _, m := range p.msgs {
			if !m.used && match(m) {
				m.used = true
				p.mu.Unlock()
				return *m
			}
		}
		changed := p.changed
		p.mu.Unlock()
		select {
		case <-changed:
		case <-p.done:
			t.Fatalf("siotest: peer exited while waiting for %s\nlog:\n%s\nstderr:\n%s", what, p.Log(), p.errs.String())
		case <-deadline.C:
			t.Fatalf("siotest: no %s within %v\nlog:\n%s", what, limit, p.Log())
		}
	}
}
