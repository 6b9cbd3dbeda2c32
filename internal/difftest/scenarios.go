package difftest

// Scenarios is the suite: every way the table in docs/design.md, Contract
// addresses clients, and the lifecycle cases of docs/design.md, Lifecycle
// and repair, over examples/socketio-chat with
// the real socket.io-client, examples/socketio-notice, and examples/wschat
// with Go WebSocket clients. Every scenario spreads its clients over
// several nodes, so every one of them needs mirror sessions.
var Scenarios = []*Scenario{
	{Name: "twin_pair_split", Backend: Chat, Nodes: 2, Run: twinPairSplit, Controls: []Control{noEcho}},
	{Name: "three_member_room", Backend: Chat, Nodes: 3, Run: threeMemberRoom},
	{Name: "typing_all_but_sender", Backend: Chat, Nodes: 3, Run: typingAllButSender},
	{Name: "direct_message_per_user_room", Backend: Chat, Nodes: 3, Run: directMessage},
	{Name: "global_announce_once", Backend: Chat, Nodes: 3, Run: globalAnnounce},
	{Name: "leave_stops_delivery", Backend: Chat, Nodes: 2, Run: leaveStopsDelivery},
	{Name: "http_broadcast_other_nodes", Backend: Chat, Nodes: 3, Run: httpBroadcast},
	{Name: "binary_photo", Backend: Chat, Nodes: 3, Run: binaryPhoto},
	{Name: "server_ack_from_other_node", Backend: Chat, Nodes: 2, Run: serverAckOtherNode},
	{Name: "join_then_receive_at_once", Backend: Chat, Nodes: 2, Run: joinThenReceive},
	{Name: "hundred_per_sender_in_order", Backend: Chat, Nodes: 3, Run: hundredInOrder},
	{Name: "reconnect_to_other_node", Backend: Chat, Nodes: 3, Run: reconnectOtherNode},
	{Name: "namespace_leave_keeps_connection", Backend: Chat, Nodes: 3, Run: namespaceLeave},
	{Name: "reaction_never_overtakes_join_reply", Backend: Chat, Nodes: 2, Run: reactionAfterJoinReply},
	{Name: "join_message_disconnect_burst", Backend: Chat, Nodes: 2, Run: burstJoinMessageDisconnect},
	{Name: "concurrent_acks_from_two_backends", Backend: Chat, Nodes: 3, Dedicated: true, FreshBackends: true,
		Run: concurrentAcks},
	{Name: "late_node_sees_connected_users", Backend: Chat, Nodes: 3, Late: []int{2}, Dedicated: true, Run: lateNode},
	{Name: "presence_node_killed", Backend: Chat, Nodes: 3, Processes: true, Dedicated: true, Disturbs: true,
		Env: lifecycleEnv, Run: presenceKilled},
	{Name: "paused_peer_resumed", Backend: Chat, Nodes: 3, Processes: true, Dedicated: true, Disturbs: true,
		Env: pausedEnv, Run: pausedPeer},
	{Name: "notice_and_chat_share_an_event", Backend: Notice, Nodes: 2, Run: noticeAndChat, Controls: []Control{noEcho,
		{Name: "bare-local-event", Env: map[string]string{"LOCAL_EVENTS": "new_message"}}}},
	{Name: "ws_room", Backend: WSChat, Nodes: 3, Run: wsRoom, Controls: []Control{noEcho}},
	{Name: "ws_leave", Backend: WSChat, Nodes: 2, Run: wsLeave},
	{Name: "ws_order", Backend: WSChat, Nodes: 3, Run: wsOrder},
}

// lifecycleEnv shortens the TTL for the scenario that kills a node, so it
// finishes in seconds.
var lifecycleEnv = map[string]string{
	"HEARTBEAT_INTERVAL":     "250ms",
	"HEARTBEAT_TTL":          "1500ms",
	"REDIS_REQUESTS_TIMEOUT": "1500",
}

// pausedEnv puts the barrier bound well inside the TTL, so a paused peer
// is still live when the first barrier waits for it: that barrier times
// out, and the peer must not be waited for again.
var pausedEnv = map[string]string{
	"HEARTBEAT_INTERVAL":     "250ms",
	"HEARTBEAT_TTL":          "3s",
	"REDIS_REQUESTS_TIMEOUT": "800",
}

// roomOf connects the named clients through nodes 0, 1, 2 (round robin over
// the scenario's nodes) and joins them all to room r.
func roomOf(s *Script, names ...string) {
	for i, n := range names {
		s.Connect(n, n, i%s.sc.Nodes)
	}
	for _, n := range names {
		s.Join(n, "r")
	}
}

func twinPairSplit(s *Script) {
	roomOf(s, "a", "b")
	s.Await("a", "twin_online", 1)
	s.Send("a", "r", "hi b")
	s.Send("b", "r", "hi a")
	s.Send("a", "r", "how are you?")
	s.Send("b", "r", "fine")
	s.Await("a", "new_message", 4)
	s.Await("b", "new_message", 4)
}

func threeMemberRoom(s *Script) {
	roomOf(s, "a", "b", "c")
	for _, n := range []string{"a", "b", "c"} {
		s.Send(n, "r", "hello from "+n)
	}
	for _, n := range []string{"a", "b", "c"} {
		s.Await(n, "new_message", 3)
	}
}

func typingAllButSender(s *Script) {
	roomOf(s, "a", "b", "c")
	s.Emit("a", "typing", map[string]any{"twinPairId": s.P("r"), "isTyping": true})
	s.Emit("b", "typing", map[string]any{"twinPairId": s.P("r"), "isTyping": false})
	s.Await("a", "typing", 1)
	s.Await("b", "typing", 1)
	s.Await("c", "typing", 2)
}

func directMessage(s *Script) {
	s.Connect("a", "a", 0)
	s.Connect("b", "b", 1)
	s.Connect("c", "c", 2)
	s.Connect("b2", "b", 2) // a second socket of user b, on another node
	s.EmitAck("a", "direct_message", map[string]string{"toUserId": s.P("b"), "text": "psst b"})
	s.EmitAck("c", "direct_message", map[string]string{"toUserId": s.P("a"), "text": "psst a"})
	s.Await("b", "direct_message", 1)
	s.Await("b2", "direct_message", 1)
	s.Await("a", "direct_message", 1)
}

func globalAnnounce(s *Script) {
	s.Connect("a", "a", 0)
	s.Connect("b", "b", 1)
	s.Connect("c", "c", 2)
	s.Emit("a", "announce", map[string]string{"text": "hello everyone"})
	s.Emit("b", "set_status", map[string]string{"status": "away"}) // everyone but b
	for _, n := range []string{"a", "b", "c"} {
		s.AwaitText(n, "announcement", "hello everyone")
	}
	s.Await("a", "user_status", 1)
	s.Await("c", "user_status", 1)
}

func leaveStopsDelivery(s *Script) {
	roomOf(s, "a", "b")
	s.Send("a", "r", "one")
	s.Await("b", "new_message", 1)
	s.Leave("b", "r")
	s.Await("a", "twin_offline", 1)
	s.Send("a", "r", "two")
	s.Await("a", "new_message", 2)
}

func httpBroadcast(s *Script) {
	roomOf(s, "a", "b", "c")
	s.Post(Request{Node: 1, Path: "/rooms/" + s.P("r") + "/broadcast",
		Body: map[string]any{"event": "room_broadcast", "data": map[string]string{"text": "from backend 1"}}})
	s.Post(Request{Node: 2, Path: "/rooms/" + s.P("r") + "/broadcast", Body: map[string]string{"text": "from backend 2"}})
	for _, n := range []string{"a", "b", "c"} {
		s.Await(n, "room_broadcast", 2)
	}
}

func binaryPhoto(s *Script) {
	roomOf(s, "a", "b", "c")
	photo := make([]byte, 3000)
	for i := range photo {
		photo[i] = byte(i * 7)
	}
	s.EmitAck("a", "send_photo", map[string]string{"twinPairId": s.P("r"), "name": "cat.png"}, Bin(photo))
	s.EmitAck("c", "send_photo", map[string]string{"twinPairId": s.P("r"), "name": "empty.png"}, Bin{})
	for _, n := range []string{"a", "b", "c"} {
		s.Await(n, "new_photo", 2)
	}
}

// serverAckOtherNode: backend 1 asks user x, whose connection is on node 0,
// with emitWithAck; x's answer must reach backend 1.
func serverAckOtherNode(s *Script) {
	s.Connect("x", "x", 0)
	s.Connect("y", "y", 1)
	s.Post(Request{Node: 1, Path: "/users/" + s.P("x") + "/ping_check"})
	s.Emit("x", "request_ping_check", map[string]string{"nonce": "home"})
	s.Await("x", "ping_check_result", 1)
}
