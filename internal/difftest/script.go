package difftest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Script is what a scenario's Run function drives. Every step either
// succeeds or records the first error; after an error every later step is a
// no-op, so a scenario reads as a straight list of steps. Waits are bounded
// by the per-condition wait and by the whole play's context.
type Script struct {
	ctx    context.Context
	w      World
	sc     *Scenario
	root   string
	prefix string
	wait   time.Duration

	box     *inbox
	peer    *Peer
	ownPeer bool   // the script started peer and closes it
	unroute func() // ends peer's routing to box
	ws      map[string]*wsClient
	clients map[string]*client
	dead    map[int]bool // killed, or late and not started yet
	acks    map[ackKey]string
	seq     int
	err     error
	notes   []string
	ignored map[string]bool // clients left out of the comparison
}

type client struct {
	node      int
	user      string
	nsp       string
	connected bool
	rooms     map[string]bool // websocket clients: rooms joined, for markers
}

// Err is the first error a step met.
func (s *Script) Err() error { return s.err }

// Oracle reports whether the script plays against the oracle.
func (s *Script) Oracle() bool { return s.w.Oracle() }

// Scenario is the scenario being played.
func (s *Script) Scenario() *Scenario { return s.sc }

// P returns the run-unique id for short name x (users, rooms); the prefix
// is normalised away when streams are compared.
func (s *Script) P(x string) string { return s.prefix + x }

// Failed reports whether a step failed already.
func (s *Script) Failed() bool { return s.err != nil }

// Fail records a failure (the first one wins).
func (s *Script) Fail(format string, args ...any) {
	if s.err == nil {
		s.err = fmt.Errorf(format, args...)
	}
}

// Check fails with the message unless ok.
func (s *Script) Check(ok bool, format string, args ...any) {
	if !ok {
		s.Fail(format, args...)
	}
}

// Ignore leaves client name's own stream out of the comparison, for a
// client whose observations depend on the timing of its own disconnect.
// Everything it causes in other clients' streams is still compared.
func (s *Script) Ignore(name string) { s.ignored[name] = true }

// Note records a measured value for the scenario's report line.
func (s *Script) Note(format string, args ...any) {
	s.notes = append(s.notes, fmt.Sprintf(format, args...))
}

func (s *Script) step(err error) {
	if err != nil && s.err == nil {
		s.err = err
	}
}

// waitCtx bounds one condition by the per-condition wait.
func (s *Script) waitCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(s.ctx, s.wait)
}

// waitFor waits until cond holds over all observations.
func (s *Script) waitFor(what string, cond func([]Msg) bool) {
	if s.err != nil {
		return
	}
	ctx, cancel := s.waitCtx()
	defer cancel()
	s.step(s.box.wait(ctx, what, cond))
}

func (s *Script) client(name string) *client {
	c, ok := s.clients[name]
	if !ok {
		s.Fail("%w %q", ErrUnknownClient, name)
	}
	return c
}

// Await waits until client name has received at least n events named event.
func (s *Script) Await(name, event string, n int) {
	s.waitFor(fmt.Sprintf("%s to receive %d× %s", name, n, event), func(msgs []Msg) bool {
		return count(msgs, name, "event", event) >= n
	})
}

// AwaitText waits until client name has received an event named event whose
// arguments contain text (after the prefix is applied by the caller).
func (s *Script) AwaitText(name, event, text string) {
	s.waitFor(fmt.Sprintf("%s to receive %s containing %q", name, event, text), func(msgs []Msg) bool {
		for i := range msgs {
			m := &msgs[i]
			if m.Name == name && m.Type == "event" && m.Event == event && argsContain(m, text) {
				return true
			}
		}
		return false
	})
}

func argsContain(m *Msg, text string) bool {
	for _, a := range m.Args {
		if strings.Contains(string(a), text) {
			return true
		}
	}
	return false
}

// AwaitDisconnect waits for client name's disconnect.
func (s *Script) AwaitDisconnect(name string) {
	s.waitFor(name+" to disconnect", func(msgs []Msg) bool { return count(msgs, name, "disconnect", "") > 0 })
	if c := s.clients[name]; c != nil {
		c.connected = false
	}
}

// ExpectOrder fails unless client name's first event named first arrived
// before its first event named then (both must have arrived).
func (s *Script) ExpectOrder(name, first, then string) {
	if s.err != nil {
		return
	}
	msgs := s.box.snapshot()
	i := slices.IndexFunc(msgs, func(m Msg) bool { return m.Name == name && m.Type == "event" && m.Event == first })
	j := slices.IndexFunc(msgs, func(m Msg) bool { return m.Name == name && m.Type == "event" && m.Event == then })
	switch {
	case j < 0:
		s.Fail("%s: no %s arrived", name, then)
	case i < 0:
		s.Fail("%s received %s while %s had not arrived yet", name, then, first)
	case j < i:
		s.Fail("%s received %s before %s", name, then, first)
	}
}

// Hold lets d pass — only where time passing is the scenario itself (a
// peer paused for longer than the TTL), never in place of a condition.
func (s *Script) Hold(d time.Duration) {
	if s.err != nil {
		return
	}
	select {
	case <-time.After(d):
	case <-s.ctx.Done():
		s.step(fmt.Errorf("%w: holding %v", ErrTimeout, d))
	}
}

// Kill kills node k: the cluster SIGKILLs its sidecast; the oracle drops
// the transports of the clients that entered through k. Either way those
// clients see their connection die.
func (s *Script) Kill(k int) {
	if s.err != nil {
		return
	}
	var gone []string
	for name, c := range s.clients {
		if c.node == k && c.connected {
			gone = append(gone, name)
		}
	}
	slices.Sort(gone)
	if s.Oracle() {
		for _, name := range gone {
			if s.clients[name].nsp == "/" {
				s.send(map[string]any{"cmd": "drop", "name": name})
			}
		}
	} else {
		s.step(s.w.Kill(k))
	}
	s.dead[k] = true
	for _, name := range gone {
		s.AwaitDisconnect(name)
	}
}

// Pause stops node k (SIGSTOP); nothing happens in the oracle.
func (s *Script) Pause(k int) {
	if s.err == nil && !s.Oracle() {
		s.step(s.w.Pause(k))
	}
}

// Resume continues node k (SIGCONT); nothing happens in the oracle.
func (s *Script) Resume(k int) {
	if s.err == nil && !s.Oracle() {
		s.step(s.w.Resume(k))
	}
}

// StartLate starts node k, listed in the scenario's Late.
func (s *Script) StartLate(k int) {
	if s.err != nil {
		return
	}
	if !s.Oracle() {
		s.step(s.w.StartLate(k))
	}
	delete(s.dead, k)
}

// ExpectBarrierTimeouts fails unless the cluster's nodes counted between
// lo and hi barrier timeouts so far; the oracle has no barriers.
func (s *Script) ExpectBarrierTimeouts(lo, hi float64) {
	if s.err != nil || s.Oracle() {
		return
	}
	n, err := s.w.BarrierTimeouts()
	if err != nil {
		s.step(err)
		return
	}
	s.Check(n >= lo && n <= hi, "%v barrier timeouts, want %v to %v", n, lo, hi)
	s.Note("%v barrier timeouts", n)
}

// Close ends every client: its own peer process, or on a shared peer
// every socket it still holds.
func (s *Script) Close() {
	for _, c := range s.ws {
		c.close()
	}
	if s.peer == nil {
		return
	}
	if s.ownPeer {
		s.peer.Close()
	} else {
		var cmds []map[string]any
		for name, c := range s.clients {
			if c.connected {
				cmds = append(cmds, map[string]any{"cmd": "disconnect", "name": s.prefix + name})
			}
		}
		_ = s.peer.send(cmds...)
	}
	s.unroute()
}
