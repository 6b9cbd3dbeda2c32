package difftest

import (
	"fmt"
	"strconv"
	"time"
)

// joinThenReceive: a client joins through node 1 and at once a member on
// node 0 sends; the message must reach the joiner.
func joinThenReceive(s *Script) {
	s.Connect("a", "a", 0)
	for i := range 5 {
		room, x := "r"+strconv.Itoa(i), "x"+strconv.Itoa(i)
		s.Join("a", room)
		s.Connect(x, x, 1)
		s.Join(x, room)
		s.Send("a", room, "now "+strconv.Itoa(i))
		s.AwaitText(x, "new_message", "now "+strconv.Itoa(i))
	}
}

func hundredInOrder(s *Script) {
	names := []string{"a", "b", "c"}
	roomOf(s, names...)
	for i := range 100 {
		for _, n := range names {
			s.Emit(n, "send_message", map[string]string{"twinPairId": s.P("r"), "text": fmt.Sprintf("%s-%03d", n, i)})
		}
	}
	for _, n := range names {
		s.Await(n, "new_message", 300)
	}
}

// reconnectOtherNode: b leaves node 1 and comes back through node 0. The
// message sent before was sent on node 0, so the history node 0's backend
// returns on the rejoin is the oracle's too (history is per-node memory).
func reconnectOtherNode(s *Script) {
	roomOf(s, "a", "b", "c")
	s.Send("a", "r", "m1")
	s.Await("b", "new_message", 1)
	s.Await("c", "new_message", 1)
	s.Disconnect("b")
	s.Await("a", "twin_offline", 1)
	s.Await("c", "twin_offline", 1)
	s.Connect("b2", "b", 0)
	s.Join("b2", "r")
	s.Send("c", "r", "m2")
	s.Send("b2", "r", "m3")
	s.Await("a", "new_message", 3)
	s.Await("b2", "new_message", 2)
	s.Await("c", "new_message", 3)
}

// namespaceLeave: a closes its /notifications socket but keeps the
// connection; every backend must see a leave that namespace, and the
// connection keeps working across nodes.
func namespaceLeave(s *Script) {
	s.Connect("a", "a", 0)
	s.ConnectNS("an", "a", "/notifications")
	s.Connect("b", "b", 1)
	s.ConnectNS("bn", "b", "/notifications")
	s.Emit("bn", "notify", map[string]string{"toUserId": s.P("a"), "text": "before"})
	s.Await("an", "notification", 1)
	s.Disconnect("an")
	for k := range s.sc.Nodes {
		s.ExpectServerDisconnect(k, "a", "/notifications", "client namespace disconnect")
	}
	s.Join("a", "r")
	s.Join("b", "r")
	s.Send("b", "r", "still connected")
	s.Await("a", "new_message", 1)
}

// reactionAfterJoinReply: m (node 0) answers j's join notice at once; j
// (node 1) must still see its own room_joined first. 30 repetitions.
func reactionAfterJoinReply(s *Script) {
	s.Connect("m", "m", 0)
	for i := range 30 {
		room, j := "r"+strconv.Itoa(i), "j"+strconv.Itoa(i)
		s.Join("m", room)
		s.Connect(j, j, 1)
		s.Emit(j, "join_twin_room", map[string]string{"twinPairId": s.P(room)})
		s.Await("m", "twin_online", i+1)
		s.Emit("m", "send_message", map[string]string{"twinPairId": s.P(room), "text": "re " + j})
		s.AwaitText(j, "new_message", "re "+j)
		s.ExpectOrder(j, "room_joined", "new_message")
		s.Disconnect(j)
	}
	s.Await("m", "twin_offline", 30)
}

// burstJoinMessageDisconnect: x joins, sends and disconnects in one burst;
// the member on the other node still gets the message. In the cluster the
// join is a barrier, so the home node holds the message and the disconnect
// and releases them together: without the release grace the backend drops
// the message (Socket.IO dispatches events on the next tick and ignores
// those of a socket that disconnected meanwhile). One node facing a true
// burst races the same way on its own, so the oracle sends the disconnect
// once the message arrived — what one node does when it wins the race —
// and x's own stream, which depends on when its disconnect lands, is left
// out; m's stream is compared in full.
func burstJoinMessageDisconnect(s *Script) {
	s.Connect("m", "m", 0)
	s.Join("m", "r")
	s.Connect("x", "x", 1)
	s.Ignore("x")
	join := BurstStep{Event: "join_twin_room", Args: []any{map[string]string{"twinPairId": s.P("r")}}}
	send := BurstStep{Event: "send_message", Args: []any{map[string]string{"twinPairId": s.P("r"), "text": "burst"}}}
	if s.Oracle() {
		s.Burst("x", join, send)
		s.AwaitText("m", "new_message", "burst")
		s.Burst("x", BurstStep{})
	} else {
		s.Burst("x", join, send, BurstStep{})
	}
	s.AwaitText("m", "new_message", "burst")
	s.AwaitDisconnect("x")
	s.Await("m", "twin_offline", 1)
}

// concurrentAcks: backends 0, 1 and 2 (fresh, so their ack ids start
// alike) ask x at the same moment, and backend 0 asks once more on x's own
// request; every one gets x's answer.
func concurrentAcks(s *Script) {
	s.Connect("x", "x", 0)
	s.Connect("y", "y", 1)
	s.Connect("z", "z", 2)
	for i := range 3 {
		s.Emit("x", "request_ping_check", map[string]string{"nonce": "home-" + strconv.Itoa(i)})
		path := "/users/" + s.P("x") + "/ping_check"
		s.Post(Request{Node: 0, Path: path}, Request{Node: 1, Path: path}, Request{Node: 2, Path: path})
		s.Await("x", "ping_check_result", i+1)
	}
}

// lateNode: node 2 starts after a and b connected and joined; its backend
// must see them, and a client on it talks with them both ways.
func lateNode(s *Script) {
	s.Connect("a", "a", 0)
	s.Connect("b", "b", 1)
	s.Join("a", "r0")
	s.Join("b", "r0")
	s.Send("a", "r0", "early")
	s.Await("b", "new_message", 1)
	s.Join("a", "r")
	s.Join("b", "r")
	s.StartLate(2)
	d := s.ExpectOnline(2, []string{"a", "b"})
	s.Note("late node saw the users in %v", d.Round(time.Millisecond))
	s.Connect("c", "c", 2)
	s.Join("c", "r")
	s.Send("c", "r", "hi from the late node")
	s.Send("a", "r", "welcome c")
	s.Await("a", "new_message", 3)
	s.Await("b", "new_message", 3)
	s.Await("c", "new_message", 2)
}

// presenceKilled: node 2 dies (SIGKILL); its user is gone from the other
// backends' online lists within the TTL, and the room hears it left.
func presenceKilled(s *Script) {
	roomOf(s, "a", "b", "c")
	s.ExpectOnline(0, []string{"a", "b", "c"})
	s.ExpectOnline(1, []string{"a", "b", "c"})
	s.Kill(2)
	ttl := s.sc.Duration("HEARTBEAT_TTL")
	limit := ttl + 5*time.Second // TTL, plus a registry poll, plus a loaded machine
	d0 := s.ExpectOnline(0, []string{"a", "b"}, limit)
	d1 := s.ExpectOnline(1, []string{"a", "b"}, limit)
	s.Note("killed node's user gone after %v and %v (TTL %v)", d0.Round(time.Millisecond), d1.Round(time.Millisecond), ttl)
	s.Await("a", "twin_offline", 1)
	s.Await("b", "twin_offline", 1)
	s.Send("a", "r", "after")
	s.Await("b", "new_message", 1)
}
