package difftest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
)

// Msg is one observation of one client: a line the Node peer printed, or a
// message a Go WebSocket client read. Type is connect, connect_error, event,
// ack, ack_error, disconnect, transport, upgrade or error.
type Msg struct {
	Type      string            `json:"type"`
	Name      string            `json:"name"`
	Event     string            `json:"event,omitempty"`
	Args      []json.RawMessage `json:"args,omitempty"`
	Acked     bool              `json:"acked,omitempty"`
	Seq       int               `json:"seq,omitempty"`
	Reason    string            `json:"reason,omitempty"`
	Message   string            `json:"message,omitempty"`
	Transport string            `json:"transport,omitempty"`
}

// inbox collects every client's observations in arrival order; waiters
// re-check their condition each time something arrives.
type inbox struct {
	mu      sync.Mutex
	msgs    []Msg
	changed chan struct{} // closed and replaced on every add
	dead    error         // set when a source ended unexpectedly
}

func newInbox() *inbox { return &inbox{changed: make(chan struct{})} }

func (b *inbox) add(m Msg) {
	b.mu.Lock()
	b.msgs = append(b.msgs, m)
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
}

// fail records that a source of messages died, waking every waiter.
func (b *inbox) fail(err error) {
	b.mu.Lock()
	if b.dead == nil {
		b.dead = err
	}
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
}

// wait blocks until cond holds over all messages so far, ctx ends, or a
// source died; what names the condition in the error.
func (b *inbox) wait(ctx context.Context, what string, cond func(msgs []Msg) bool) error {
	for {
		b.mu.Lock()
		ok := cond(b.msgs)
		changed, dead := b.changed, b.dead
		b.mu.Unlock()
		if ok {
			return nil
		}
		if dead != nil {
			return fmt.Errorf("waiting for %s: %w", what, dead)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("%w: %s", ErrTimeout, what)
		}
	}
}

// snapshot copies the messages so far.
func (b *inbox) snapshot() []Msg {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Msg(nil), b.msgs...)
}

// count returns how many messages of client name match typ and event ("" = any).
func count(msgs []Msg, name, typ, event string) int {
	n := 0
	for i := range msgs {
		m := &msgs[i]
		if m.Name == name && m.Type == typ && (event == "" || m.Event == event) {
			n++
		}
	}
	return n
}
