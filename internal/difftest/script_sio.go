package difftest

import (
	"encoding/json"
	"fmt"
	"time"
)

// Bin is bytes that travel as a binary Socket.IO attachment (the peer's
// {"$bin": base64} form).
type Bin []byte

// MarshalJSON encodes b in the peer's binary form.
func (b Bin) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string][]byte{"$bin": b})
}

// ensurePeer starts a peer of the script's own unless Options gave one.
func (s *Script) ensurePeer() bool {
	if s.peer != nil {
		return true
	}
	p, err := startPeer(s.root)
	if err != nil {
		s.step(err)
		return false
	}
	s.peer, s.ownPeer = p, true
	s.unroute = p.route(s.prefix, s.box)
	return true
}

// send passes commands to the peer with the script's socket names
// prefixed, so plays sharing a peer never see each other's sockets.
func (s *Script) send(cmds ...map[string]any) {
	for _, cmd := range cmds {
		for _, k := range []string{"name", "share"} {
			if v, ok := cmd[k].(string); ok {
				cmd[k] = s.prefix + v
			}
		}
	}
	s.step(s.peer.send(cmds...))
}

// Connect opens a socket.io-client socket (websocket transport, its own
// connection) as user to the root namespace through node k, waits for its
// connect and returns how long that took.
func (s *Script) Connect(name, user string, k int) time.Duration {
	if s.err != nil || !s.ensurePeer() {
		return 0
	}
	start := time.Now()
	s.clients[name] = &client{node: k, user: user, nsp: "/", connected: true, rooms: map[string]bool{}}
	s.send(map[string]any{"cmd": "connect", "name": name, "url": s.w.ClientURL(k),
		"transports": []string{"websocket"}, "auth": map[string]string{"userId": s.P(user)}})
	s.awaitConnect(name)
	if s.sc.Backend == Chat {
		// socketio-chat greets every connection; waiting for it keeps what
		// the client saw before its next step the same in every run.
		s.AwaitText(name, "welcome", s.P(user))
	}
	return time.Since(start)
}

// ConnectNS opens namespace nsp on the connection of socket share.
func (s *Script) ConnectNS(name, share, nsp string) {
	base := s.client(share)
	if s.err != nil {
		return
	}
	s.clients[name] = &client{node: base.node, user: base.user, nsp: nsp, connected: true}
	s.send(map[string]any{"cmd": "connect", "name": name, "share": share, "nsp": nsp,
		"auth": map[string]string{"userId": s.P(base.user)}})
	s.awaitConnect(name)
}

func (s *Script) awaitConnect(name string) {
	s.waitFor(name+" to connect", func(msgs []Msg) bool {
		return count(msgs, name, "connect", "")+count(msgs, name, "connect_error", "") > 0
	})
	if s.err == nil && count(s.box.snapshot(), name, "connect_error", "") > 0 {
		s.Fail("%s: connect_error", name)
	}
}

// Emit sends an event without asking for an ack.
func (s *Script) Emit(name, event string, args ...any) {
	if s.client(name) == nil || s.err != nil {
		return
	}
	s.send(map[string]any{"cmd": "emit", "name": name, "event": event, "args": wire(args)})
}

// EmitAck sends an event, waits for the server's ack (recorded in the
// client's stream) and returns how long the round trip took.
func (s *Script) EmitAck(name, event string, args ...any) time.Duration {
	if s.client(name) == nil || s.err != nil {
		return 0
	}
	s.seq++
	seq := s.seq
	s.acks[ackKey{name, seq}] = event
	start := time.Now()
	s.send(map[string]any{"cmd": "emit", "name": name, "event": event, "args": wire(args),
		"ack": true, "seq": seq, "timeout": s.wait.Milliseconds()})
	s.waitFor(fmt.Sprintf("%s: ack of %s", name, event), func(msgs []Msg) bool {
		for i := len(msgs) - 1; i >= 0; i-- {
			if m := &msgs[i]; m.Name == name && m.Seq == seq && (m.Type == "ack" || m.Type == "ack_error") {
				return true
			}
		}
		return false
	})
	return time.Since(start)
}

func wire(args []any) []any {
	if args == nil {
		return []any{}
	}
	return args
}

// Join makes client name join twin room room (join_twin_room, with ack)
// and returns the ack's round trip.
func (s *Script) Join(name, room string) time.Duration {
	return s.EmitAck(name, "join_twin_room", map[string]string{"twinPairId": s.P(room)})
}

// Leave makes client name leave twin room room.
func (s *Script) Leave(name, room string) {
	s.EmitAck(name, "leave_twin_room", map[string]string{"twinPairId": s.P(room)})
}

// Send sends a chat message to room and waits for its ack.
func (s *Script) Send(name, room, text string) {
	s.EmitAck(name, "send_message", map[string]string{"twinPairId": s.P(room), "text": text})
}

// Disconnect closes socket name from the client side.
func (s *Script) Disconnect(name string) {
	c := s.client(name)
	if c == nil || s.err != nil {
		return
	}
	s.send(map[string]any{"cmd": "disconnect", "name": name})
	s.AwaitDisconnect(name)
}

// Burst sends several commands to the peer in one write, so they leave the
// client back to back; a step is an emit (event + args) or, with event
// "", a disconnect.
func (s *Script) Burst(name string, steps ...BurstStep) {
	if s.client(name) == nil || s.err != nil {
		return
	}
	cmds := make([]map[string]any, 0, len(steps))
	for _, st := range steps {
		cmd := map[string]any{"cmd": "disconnect", "name": name}
		if st.Event != "" {
			cmd = map[string]any{"cmd": "emit", "name": name, "event": st.Event, "args": wire(st.Args)}
		}
		cmds = append(cmds, cmd)
	}
	s.send(cmds...)
}

// BurstStep is one command of a Burst.
type BurstStep struct {
	Event string
	Args  []any
}
