package fanout

import (
	"testing"

	"github.com/gobwas/ws"

	"github.com/sidecast/sidecast/proxy"
	"github.com/sidecast/sidecast/proxy/socketio"
)

func unitOf(parts ...string) proxy.Unit {
	u := proxy.Unit{Op: ws.OpText}
	for _, p := range parts {
		u.Parts = append(u.Parts, []byte(p))
	}
	return u
}

// TestClassify: what a unit means to the mechanism, for every protocol,
// and the LOCAL_EVENTS filter with payload matches.
func TestClassify(t *testing.T) {
	sio := events{protocol: proxy.ProtocolSocketIO, mirror: setOf([]string{"join_twin_room", "add user", `say "hi"`}),
		local: []EventMatch{{Name: "welcome"}, {Name: "new_message", Field: "from", Value: "system"},
			{Name: "user joined"}, {Name: "message", Field: "username", Value: `Chat "Bot"`}}}
	wsv := events{protocol: proxy.ProtocolWebSocket, field: "type", mirror: setOf([]string{"join", "entrée"}),
		local: []EventMatch{{Name: "joined"}, {Name: "said", Field: "from", Value: "server"}, {Name: `a\b`}}}
	eio := wsv
	eio.protocol = proxy.ProtocolEngineIO
	tests := []struct {
		name   string
		ev     *events
		unit   proxy.Unit
		kind   unitKind
		member bool
		ns     string
		event  string
		ackID  int64
		local  bool
	}{
		{"connect", &sio, unitOf(`40{"token":"x"}`), unitConnect, true, "/", "", socketio.NoID, false},
		{"connect ns", &sio, unitOf(`40/admin,`), unitConnect, true, "/admin", "", socketio.NoID, false},
		{"disconnect", &sio, unitOf(`41/admin,`), unitDisconnect, true, "/admin", "", socketio.NoID, false},
		{"membership event", &sio, unitOf(`42["join_twin_room",{"twinPairId":"r"}]`), unitEvent, true, "/", "join_twin_room", socketio.NoID, false},
		{"action with ack", &sio, unitOf(`4212["send_message",{}]`), unitEvent, false, "/", "send_message", 12, false},
		{"binary event", &sio, unitOf(`451-["photo",{"_placeholder":true,"num":0}]`, "\x01\x02"), unitEvent, false, "/", "photo", socketio.NoID, false},
		{"ack", &sio, unitOf(`433[{"ok":true}]`), unitAck, false, "/", "", 3, false},
		{"connect error", &sio, unitOf(`44{"message":"no"}`), unitConnectError, false, "/", "", socketio.NoID, false},
		{"local by name", &sio, unitOf(`42["welcome",{"userId":"a"}]`), unitEvent, false, "/", "welcome", socketio.NoID, true},
		{"local by payload", &sio, unitOf(`42["new_message",{"text":"a joined","from":"system"}]`), unitEvent, false, "/", "new_message", socketio.NoID, true},
		{"payload does not match", &sio, unitOf(`42["new_message",{"from":"a","text":"system"}]`), unitEvent, false, "/", "new_message", socketio.NoID, false},
		{"not socket.io", &sio, unitOf(`2probe`), unitOther, false, "/", "", socketio.NoID, false},
		{"ws membership", &wsv, unitOf(`{"type":"join","room":"r"}`), unitEvent, true, "/", "join", socketio.NoID, false},
		{"ws local", &wsv, unitOf(`{"room":"r","type":"joined","user":"u"}`), unitEvent, false, "/", "joined", socketio.NoID, true},
		{"ws local by payload", &wsv, unitOf(`{"type":"said","from":"server","text":"x"}`), unitEvent, false, "/", "said", socketio.NoID, true},
		{"ws action", &wsv, unitOf(`{"type":"said","from":"u","text":"x"}`), unitEvent, false, "/", "said", socketio.NoID, false},
		{"ws not json", &wsv, unitOf(`hello`), unitOther, false, "/", "", socketio.NoID, false},
		{"eio membership", &eio, unitOf(`4{"type":"join","room":"r"}`), unitEvent, true, "/", "join", socketio.NoID, false},
		{"eio local", &eio, unitOf(`4{"type":"joined","user":"u"}`), unitEvent, false, "/", "joined", socketio.NoID, true},
		{"eio plain text", &eio, unitOf(`4hello`), unitOther, false, "/", "", socketio.NoID, false},
		{"eio not a message", &eio, unitOf(`{"type":"join"}`), unitOther, false, "/", "", socketio.NoID, false},
		{"eio binary", &eio, proxy.Unit{Op: ws.OpBinary, Parts: [][]byte{[]byte(`{"type":"join"}`)}}, unitOther, false, "/", "", socketio.NoID, false},
		{"eio socket.io packet is only text", &eio, unitOf(`42["join",{}]`), unitOther, false, "/", "", socketio.NoID, false},
		// Names and values as servers write them: spaces, quotes, escapes.
		{"name with a space", &sio, unitOf(`42["add user","ann"]`), unitEvent, true, "/", "add user", socketio.NoID, false},
		{"escaped name", &sio, unitOf(`42["say \"hi\"",1]`), unitEvent, true, "/", `say "hi"`, socketio.NoID, false},
		{"local name with a space", &sio, unitOf(`42["user joined",{"username":"ben","numUsers":2}]`), unitEvent, false, "/", "user joined", socketio.NoID, true},
		{"escaped payload value", &sio, unitOf(`42["message",{"username":"Chat \"Bot\"","message":"ann joined"}]`), unitEvent, false, "/", "message", socketio.NoID, true},
		{"ws name escaped as \\u", &wsv, unitOf(`{"type":"entr\u00e9e","room":"r"}`), unitEvent, true, "/", "entrée", socketio.NoID, false},
		{"ws name with a backslash", &wsv, unitOf(`{"type":"a\\b"}`), unitEvent, false, "/", `a\b`, socketio.NoID, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr socketio.Header
			info := tt.ev.classify(tt.unit, &hdr)
			if info.kind != tt.kind || info.member != tt.member || string(info.ns) != tt.ns ||
				string(info.event) != tt.event || info.ackID != tt.ackID || tt.ev.isLocal(&info) != tt.local {
				t.Fatalf("got kind %d member %v ns %q event %q ack %d local %v", info.kind, info.member,
					info.ns, info.event, info.ackID, tt.ev.isLocal(&info))
			}
		})
	}
}

// TestJSONField reads top-level fields only, and gives up on odd input.
func TestJSONField(t *testing.T) {
	tests := []struct {
		in, key, want string
		ok            bool
	}{
		{`{"type":"join"}`, "type", "join", true},
		{` { "a" : {"type":"x"} , "type" : "y" } `, "type", "y", true},
		{`{"a":[1,"]",{"b":"}"}],"type":7}`, "type", "7", true},
		{`{"a":"\"type\":\"z\""}`, "type", "", false},
		{`{"type":`, "type", "", false},
		{`["type","x"]`, "type", "", false},
		{``, "type", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := jsonField([]byte(tt.in), tt.key)
			if ok != tt.ok || string(got) != tt.want {
				t.Fatalf("jsonField(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}
