package difftest

import (
	"fmt"
	"net/url"
	"strings"
)

// WSConnect opens a Go WebSocket client as user through node k
// (examples/wschat takes the user from the query).
func (s *Script) WSConnect(name, user string, k int) {
	if s.err != nil {
		return
	}
	u := "ws" + strings.TrimPrefix(s.w.ClientURL(k), "http") + "/ws?user=" + url.QueryEscape(s.P(user))
	ctx, cancel := s.waitCtx()
	defer cancel()
	c, err := dialWS(ctx, u, name, s.box)
	if err != nil {
		s.step(err)
		return
	}
	s.ws[name] = c
	s.clients[name] = &client{node: k, user: user, nsp: "/", connected: true, rooms: map[string]bool{}}
}

// WSSend sends one wschat message {"type": typ, "room": P(room), "text": text}.
func (s *Script) WSSend(name, typ, room, text string) {
	c := s.client(name)
	if c == nil || s.err != nil {
		return
	}
	msg := map[string]string{"type": typ, "room": s.P(room)}
	if text != "" {
		msg["text"] = text
	}
	switch typ {
	case "join":
		c.rooms[room] = true
	case "leave":
		delete(c.rooms, room)
	}
	if err := s.ws[name].send(msg); err != nil {
		s.step(fmt.Errorf("%s: send %s: %w", name, typ, err))
	}
}

// WSJoin joins room and waits for the client's own "joined" notice, which
// wschat sends once the join is done.
func (s *Script) WSJoin(name, room string) {
	before := count(s.box.snapshot(), name, "event", "joined")
	s.WSSend(name, "join", room, "")
	s.Await(name, "joined", before+1)
}

// WSClose closes client name with 1000 and waits for its disconnect.
func (s *Script) WSClose(name string) {
	c := s.client(name)
	if c == nil || s.err != nil {
		return
	}
	s.ws[name].close()
	c.connected = false
}
