package siotest

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Scenario is one behaviour of the example server, checked through a Target.
type Scenario struct {
	Name string
	Run  func(t *testing.T, e *Env)
}

// Scenarios is the table that runs against the backend directly and
// through sidecast.
var Scenarios = []Scenario{
	{"connect_with_auth", scenarioConnect},
	{"refused_without_auth", scenarioRefused},
	{"handshake_identity", scenarioIdentity},
	{"emit_with_ack", scenarioEmitWithAck},
	{"room_events", scenarioRoomEvents},
	{"direct_message", scenarioDirectMessage},
	{"broadcasts", scenarioBroadcasts},
	{"http_room_broadcast", scenarioHTTPBroadcast},
	{"binary_both_ways", scenarioBinary},
	{"burst_in_order", scenarioBurst},
	{"burst_across_upgrade", scenarioBurstAcrossUpgrade},
	{"server_emit_with_ack", scenarioServerEmitWithAck},
	{"online_users", scenarioOnlineUsers},
	{"two_namespaces", scenarioNamespaces},
	{"disconnect_reasons", scenarioDisconnectReasons},
	{"reconnection", scenarioReconnection},
}

type userBody struct {
	UserID string `json:"userId"`
}

func scenarioConnect(t *testing.T, e *Env) {
	c := e.Connect(t, "a", "a")
	// In the default mode the upgrade may finish before the connect event.
	if e.Transports != nil && c.Transport != e.Transports[0] {
		t.Fatalf("connected over %q, want %q", c.Transport, e.Transports[0])
	}
	var w userBody
	e.Peer.WaitEvent(t, "a", "welcome").Arg(t, 0, &w)
	if w.UserID != e.User("a") {
		t.Fatalf("welcome for %q, want %q", w.UserID, e.User("a"))
	}
	if e.Transports == nil {
		if u := e.Peer.Wait(t, "a", "upgrade", ""); u.Transport != "websocket" {
			t.Fatalf("upgraded to %q, want websocket", u.Transport)
		}
	}
	e.Sync(t, "a") // the session works after the upgrade too
}

func scenarioRefused(t *testing.T, e *Env) {
	e.Peer.Connect(t, e.Conn("anon", ""))
	m := e.Peer.Wait(t, "anon", "connect_error", "")
	if !strings.Contains(m.Message, "unauthorized") {
		t.Fatalf("connect_error %q, want the server's unauthorized message", m.Message)
	}
	e.Connect(t, "a", "a")
	n := Conn{Name: "n", Share: "a", Namespace: "/notifications"}
	e.Peer.Connect(t, n)
	if m := e.Peer.Wait(t, "n", "connect_error", ""); !strings.Contains(m.Message, "unauthorized") {
		t.Fatalf("namespace connect_error %q, want unauthorized", m.Message)
	}
	e.Sync(t, "a") // a refused namespace leaves the connection usable
}

type okBody struct {
	OK   bool `json:"ok"`
	ID   int  `json:"id"`
	Size int  `json:"size"`
}

type message struct {
	ID         int    `json:"id"`
	TwinPairID string `json:"twinPairId"`
	From       string `json:"from"`
	Text       string `json:"text"`
}

func (e *Env) join(t testing.TB, name, room string) {
	t.Helper()
	var ack okBody
	e.Peer.EmitWithAck(t, name, "join_twin_room", map[string]string{"twinPairId": e.Room(room)}).Arg(t, 0, &ack)
	if !ack.OK {
		t.Fatalf("%s: join_twin_room not acknowledged", name)
	}
	e.Peer.WaitEvent(t, name, "room_joined")
}

func (e *Env) send(t testing.TB, name, room, text string) int {
	t.Helper()
	var ack okBody
	e.Peer.EmitWithAck(t, name, "send_message", map[string]string{"twinPairId": e.Room(room), "text": text}).Arg(t, 0, &ack)
	if !ack.OK || ack.ID <= 0 {
		t.Fatalf("%s: send_message ack %+v", name, ack)
	}
	return ack.ID
}

func (e *Env) expectMessage(t testing.TB, name string, id int, text string) {
	t.Helper()
	var m message
	e.Peer.WaitEvent(t, name, "new_message").Arg(t, 0, &m)
	if m.ID != id || m.Text != text {
		t.Fatalf("%s: new_message %+v, want id %d text %q", name, m, id, text)
	}
}

func scenarioEmitWithAck(t *testing.T, e *Env) {
	e.Connect(t, "a", "a")
	e.join(t, "a", "r")
	id := e.send(t, "a", "r", "hello")
	e.expectMessage(t, "a", id, "hello")
}

func scenarioRoomEvents(t *testing.T, e *Env) {
	e.Connect(t, "a", "a")
	e.Connect(t, "b", "b")
	e.join(t, "a", "r")
	e.join(t, "b", "r")
	var on userBody
	e.Peer.WaitEvent(t, "a", "twin_online").Arg(t, 0, &on)
	if on.UserID != e.User("b") {
		t.Fatalf("twin_online for %q, want %q", on.UserID, e.User("b"))
	}
	id := e.send(t, "a", "r", "hi b")
	e.expectMessage(t, "a", id, "hi b")
	e.expectMessage(t, "b", id, "hi b")

	e.Peer.Emit(t, "b", "typing", map[string]any{"twinPairId": e.Room("r"), "isTyping": true})
	e.Peer.WaitEvent(t, "a", "typing")
	e.Absent(t, "b", "typing")

	e.Connect(t, "c", "c")
	e.Peer.EmitWithAck(t, "c", "join_twin_room", map[string]string{"twinPairId": e.Room("r")})
	var joined struct {
		History []message `json:"history"`
	}
	e.Peer.WaitEvent(t, "c", "room_joined").Arg(t, 0, &joined)
	if len(joined.History) != 1 || joined.History[0].ID != id {
		t.Fatalf("history %+v, want the one message %d", joined.History, id)
	}

	e.Peer.EmitWithAck(t, "b", "leave_twin_room", map[string]string{"twinPairId": e.Room("r")})
	e.Peer.WaitEvent(t, "a", "twin_offline")
	id2 := e.send(t, "a", "r", "b has left")
	e.expectMessage(t, "c", id2, "b has left")
	e.Absent(t, "b", "new_message")

	e.Peer.Disconnect(t, "c")
	var off userBody
	e.Peer.WaitEvent(t, "a", "twin_offline").Arg(t, 0, &off)
	if off.UserID != e.User("c") {
		t.Fatalf("twin_offline for %q, want %q", off.UserID, e.User("c"))
	}
}

func scenarioDirectMessage(t *testing.T, e *Env) {
	e.Connect(t, "a", "a")
	e.Connect(t, "b1", "b")
	e.Connect(t, "b2", "b") // a second tab of user b
	e.Connect(t, "c", "c")
	e.Peer.EmitWithAck(t, "a", "direct_message", map[string]string{"toUserId": e.User("b"), "text": "psst"})
	for _, name := range []string{"b1", "b2"} {
		var dm struct{ From, Text string }
		e.Peer.WaitEvent(t, name, "direct_message").Arg(t, 0, &dm)
		if dm.From != e.User("a") || dm.Text != "psst" {
			t.Fatalf("%s: direct_message %+v", name, dm)
		}
	}
	e.Absent(t, "c", "direct_message")
	e.Absent(t, "a", "direct_message")
}

func scenarioBroadcasts(t *testing.T, e *Env) {
	e.Connect(t, "a", "a")
	e.Connect(t, "b", "b")
	e.Peer.Emit(t, "a", "announce", map[string]string{"text": "hello all"})
	for _, name := range []string{"a", "b"} {
		var an struct{ From, Text string }
		e.Peer.WaitEvent(t, name, "announcement").Arg(t, 0, &an)
		if an.From != e.User("a") || an.Text != "hello all" {
			t.Fatalf("%s: announcement %+v", name, an)
		}
	}
	e.Peer.Emit(t, "a", "set_status", map[string]string{"status": "away"})
	var st struct{ UserID, Status string }
	e.Peer.WaitEvent(t, "b", "user_status").Arg(t, 0, &st)
	if st.UserID != e.User("a") || st.Status != "away" {
		t.Fatalf("user_status %+v", st)
	}
	e.Absent(t, "a", "user_status")
}

func scenarioHTTPBroadcast(t *testing.T, e *Env) {
	e.Connect(t, "a", "a")
	e.Connect(t, "b", "b")
	e.Connect(t, "c", "c")
	e.join(t, "a", "r")
	e.join(t, "b", "r")
	var res okBody
	status := e.PostJSON(t, "/rooms/"+e.Room("r")+"/broadcast", map[string]any{"event": "room_notice", "data": map[string]int{"x": 1}}, &res)
	if status != 200 || !res.OK {
		t.Fatalf("broadcast answered %d %+v", status, res)
	}
	for _, name := range []string{"a", "b"} {
		var n struct{ X int }
		e.Peer.WaitEvent(t, name, "room_notice").Arg(t, 0, &n)
		if n.X != 1 {
			t.Fatalf("%s: room_notice %+v", name, n)
		}
	}
	e.Absent(t, "c", "room_notice")
}

func photo(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

func scenarioBinary(t *testing.T, e *Env) {
	e.Connect(t, "a", "a")
	e.Connect(t, "b", "b")
	e.join(t, "a", "r")
	e.join(t, "b", "r")
	img := photo(3000)
	var ack okBody
	e.Peer.EmitWithAck(t, "a", "send_photo", map[string]string{"twinPairId": e.Room("r"), "name": "p.png"}, Bin(img)).Arg(t, 0, &ack)
	if !ack.OK || ack.Size != len(img) {
		t.Fatalf("send_photo ack %+v, want size %d", ack, len(img))
	}
	for _, name := range []string{"a", "b"} {
		m := e.Peer.WaitEvent(t, name, "new_photo")
		var meta struct {
			From string
			Size int
		}
		var got Bin
		m.Arg(t, 0, &meta)
		m.Arg(t, 1, &got)
		if meta.From != e.User("a") || meta.Size != len(img) || !bytes.Equal(got, img) {
			t.Fatalf("%s: new_photo %+v with %d bytes, want %d intact bytes", name, meta, len(got), len(img))
		}
	}
}

func scenarioServerEmitWithAck(t *testing.T, e *Env) {
	e.Connect(t, "a", "a")
	e.Peer.Emit(t, "a", "request_ping_check", map[string]int{"nonce": 7})
	if m := e.Peer.WaitEvent(t, "a", "ping_check"); !m.Acked {
		t.Fatal("ping_check arrived without an ack callback")
	}
	var res struct {
		OK     bool `json:"ok"`
		Answer struct {
			Echo []struct{ Nonce int } `json:"echo"`
		} `json:"answer"`
	}
	e.Peer.WaitEvent(t, "a", "ping_check_result").Arg(t, 0, &res)
	if !res.OK || len(res.Answer.Echo) != 1 || res.Answer.Echo[0].Nonce != 7 {
		t.Fatalf("ping_check_result %+v", res)
	}
	var httpRes struct {
		OK      bool `json:"ok"`
		Answers []struct {
			Echo []struct{ Nonce string } `json:"echo"`
		} `json:"answers"`
	}
	if status := e.PostJSON(t, "/users/"+e.User("a")+"/ping_check", nil, &httpRes); status != 200 || !httpRes.OK {
		t.Fatalf("HTTP ping_check answered %d %+v", status, httpRes)
	}
	if len(httpRes.Answers) != 1 || httpRes.Answers[0].Echo[0].Nonce != "http" {
		t.Fatalf("HTTP ping_check answers %+v", httpRes.Answers)
	}
}

func (e *Env) onlineUsers(t testing.TB, name string) []string {
	t.Helper()
	var res struct{ Users []string }
	e.Peer.EmitWithAck(t, name, "online_users").Arg(t, 0, &res)
	var mine []string
	for _, u := range res.Users {
		if strings.HasPrefix(u, e.Prefix) {
			mine = append(mine, strings.TrimPrefix(u, e.Prefix))
		}
	}
	return mine
}

func scenarioOnlineUsers(t *testing.T, e *Env) {
	e.Connect(t, "a", "a")
	e.Connect(t, "b", "b")
	if got := e.onlineUsers(t, "a"); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("online users %v, want [a b]", got)
	}
	e.Peer.Disconnect(t, "b")
	e.Peer.Wait(t, "b", "disconnect", "")
	deadline := time.Now().Add(DefaultWait)
	for {
		got := e.onlineUsers(t, "a")
		if slices.Equal(got, []string{"a"}) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("online users %v after b left, want [a]", got)
		}
	}
}

// scenarioBurst: a burst of events (several per polling payload) arrives
// complete, once each and in order, at the sender and at another member.
func scenarioBurst(t *testing.T, e *Env) {
	const n = 200
	e.Connect(t, "a", "a")
	e.Connect(t, "b", "b")
	e.join(t, "a", "r")
	e.join(t, "b", "r")
	for i := range n {
		e.Peer.Emit(t, "a", "send_message", map[string]string{"twinPairId": e.Room("r"), "text": strconv.Itoa(i)})
	}
	for _, name := range []string{"a", "b"} {
		last := 0
		for i := range n {
			var m message
			e.Peer.WaitEvent(t, name, "new_message").Arg(t, 0, &m)
			if m.Text != strconv.Itoa(i) || m.ID <= last {
				t.Fatalf("%s: message %d is %+v after id %d", name, i, m, last)
			}
			last = m.ID
		}
	}
	e.Absent(t, "b", "new_message") // and nothing twice
}

// scenarioBurstAcrossUpgrade: events sent right after connect (in the
// default mode, while the transport upgrades) arrive in order, once each.
func scenarioBurstAcrossUpgrade(t *testing.T, e *Env) {
	const n = 100
	e.Connect(t, "a", "a")
	for i := range n {
		e.Peer.Emit(t, "a", "direct_message", map[string]string{"toUserId": e.User("a"), "text": strconv.Itoa(i)})
	}
	for i := range n {
		var dm struct{ From, Text string }
		e.Peer.WaitEvent(t, "a", "direct_message").Arg(t, 0, &dm)
		if dm.Text != strconv.Itoa(i) {
			t.Fatalf("direct message %d is %+v", i, dm)
		}
	}
	e.Absent(t, "a", "direct_message")
}
