package wschat

import "sort"

// handle runs one client message. It is called only from c's readLoop.
func (s *Server) handle(c *client, m Message) {
	switch m.Type {
	case "join":
		s.join(c, m.Room)
	case "say":
		s.say(c, m.Room, c.user, m.Text)
	case "leave":
		s.leave(c, m.Room)
	case "members":
		c.enqueue(encode(Message{Type: "members", Room: m.Room, Users: s.Members(m.Room)}))
	}
}

// join adds c to room and tells the whole room, c included. Like a typical
// naive handler it announces again on a repeated join.
func (s *Server) join(c *client, room string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	members := s.rooms[room]
	if members == nil {
		members = make(map[*client]struct{})
		s.rooms[room] = members
	}
	members[c] = struct{}{}
	c.rooms[room] = struct{}{}
	s.broadcastLocked(room, encode(Message{Type: "joined", Room: room, User: c.user}))
}

// say broadcasts text to room, sender included. A non-member may not speak,
// except the server itself (c == nil, the HTTP announce).
func (s *Server) say(c *client, room, from, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c != nil {
		if _, ok := c.rooms[room]; !ok {
			c.enqueue(encode(Message{Type: "error", Room: room, Error: errNotAMember.Error()}))
			return
		}
	}
	s.broadcastLocked(room, encode(Message{Type: "said", Room: room, From: from, Text: text}))
}

// leave tells the room, c included, then removes c from it.
func (s *Server) leave(c *client, room string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.broadcastLocked(room, encode(Message{Type: "left", Room: room, User: c.user}))
	s.removeLocked(c, room)
}

// drop forgets a disconnected client: it leaves every room, and the remaining
// members are told.
func (s *Server) drop(c *client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.clients, c)
	for room := range c.rooms {
		s.removeLocked(c, room)
		s.broadcastLocked(room, encode(Message{Type: "left", Room: room, User: c.user}))
	}
}

func (s *Server) removeLocked(c *client, room string) {
	delete(c.rooms, room)
	members := s.rooms[room]
	delete(members, c)
	if len(members) == 0 {
		delete(s.rooms, room)
	}
}

// broadcastLocked enqueues p to every member of room. Holding s.mu while
// enqueueing gives every member the same order of a room's messages.
func (s *Server) broadcastLocked(room string, p []byte) {
	for m := range s.rooms[room] {
		m.enqueue(p)
	}
}

// Members returns the sorted user names in room (a name appears once per
// connection).
func (s *Server) Members(room string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.membersLocked(room)
}

// Rooms returns every room with its sorted members.
func (s *Server) Rooms() map[string][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]string, len(s.rooms))
	for room := range s.rooms {
		out[room] = s.membersLocked(room)
	}
	return out
}

func (s *Server) membersLocked(room string) []string {
	users := make([]string, 0, len(s.rooms[room]))
	for c := range s.rooms[room] {
		users = append(users, c.user)
	}
	sort.Strings(users)
	return users
}
