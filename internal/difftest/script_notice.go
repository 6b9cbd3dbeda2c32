package difftest

// NoticeJoin joins room on examples/socketio-notice (join, with ack).
func (s *Script) NoticeJoin(name, room string) {
	if c := s.client(name); c != nil && s.err == nil {
		c.rooms[room] = true
	}
	s.EmitAck(name, "join", map[string]string{"room": s.P(room)})
}

// NoticeChat sends real chat to room on examples/socketio-notice.
func (s *Script) NoticeChat(name, room, text string) {
	s.EmitAck(name, "chat", map[string]string{"room": s.P(room), "text": text})
}

// quiesceNotice sends a marker chat through every live node to every room
// a live client joined: socketio-notice has no global broadcast.
func (s *Script) quiesceNotice() {
	rooms := map[string]bool{}
	for _, c := range s.clients {
		if c.connected {
			for r := range c.rooms {
				rooms[r] = true
			}
		}
	}
	nodes := s.liveNodes()
	for _, k := range nodes {
		s.Connect(markerName(k), markerUser+itoa(k), k)
		// The markers' own joins are too fresh to be processed on every
		// backend; only the scenario's clients are awaited and compared.
		s.Ignore(markerName(k))
	}
	for _, r := range sortedSet(rooms) {
		for _, k := range nodes {
			s.NoticeJoin(markerName(k), r)
		}
		for _, k := range nodes {
			s.NoticeChat(markerName(k), r, quiesceText)
		}
	}
	for name, c := range s.clients {
		if c.connected && len(c.rooms) > 0 && !s.ignored[name] {
			s.awaitMarkers(name, "new_message", len(c.rooms)*len(nodes))
		}
	}
}
