package conformance

import "github.com/gobwas/ws"

// The Socket.IO table, played against the reference socket.io server (the
// peer in MODE=sio: "/" for everyone, "/admin" behind the auth token
// "secret", no other namespace) and against sidecast with PROTOCOL=socketio
// in front of it.

// askIDs is why a server event's ack id differs: sidecast gives them out
// itself.
const askIDs = "sidecast numbers a client connection's server→client ack ids itself, in one id space " +
	"per connection so that the ids of several backends (home and mirrors) never collide; the reference " +
	"counts per namespace across all its sockets. A client only sends the id back, and the ack reaches " +
	"the backend that asked (the next step shows it)"

// wsSession opens a websocket session and reads its open packet.
func wsSession() []step { return []step{wsDial(0, wsNew), wsRecv(0)} }

// backendCloseHop is why the GET after a server close may differ.
const backendCloseHop = "sidecast learns of the backend's close one hop later than the backend itself: " +
	"a GET that reaches sidecast before that close is held and gets the close packet alone (\"1\"), as " +
	"the reference answers a GET it holds at the close; a GET after it gets a noop and the close packet " +
	"(\"6\", \"1\") on both. Either way the client reads a close"

var sioExchanges = []exchange{
	// Namespaces.
	{name: "connect without auth", transport: "websocket", steps: steps(
		wsSession(), wsText(0, "40"), wsRecv(0), wsText(0, `421["auth"]`), wsRecv(0))},
	{name: "connect with auth", transport: "websocket", steps: steps(
		wsSession(), wsText(0, `40{"token":"abc","n":1}`), wsRecv(0), wsText(0, `421["auth"]`), wsRecv(0))},
	{name: "namespace refused by middleware", transport: "websocket", steps: steps(
		wsSession(), wsText(0, "40/admin,"), wsRecv(0), wsText(0, "40"), wsRecv(0))},
	{name: "namespace with auth", transport: "websocket", steps: steps(
		wsSession(), wsText(0, `40/admin,{"token":"secret"}`), wsRecv(0), wsText(0, `42/admin,7["whoami"]`), wsRecv(0))},
	{name: "unknown namespace", transport: "websocket", steps: steps(
		wsSession(), wsText(0, "40/nope,"), wsRecv(0), wsText(0, "40"), wsRecv(0))},
	{name: "two namespaces", transport: "websocket", steps: steps(
		wsSession(), wsText(0, "40"), wsRecv(0), wsText(0, `40/admin,{"token":"secret"}`), wsRecv(0),
		wsText(0, `42/admin,1["whoami"]`), wsRecv(0), wsText(0, `422["echo","root"]`), wsRecv(0))},
	{name: "event before connect", transport: "websocket", steps: steps(
		wsSession(), wsText(0, `421["echo","x"]`), wsRecv(0), waitSessions(0))},

	// Events and acks.
	{name: "event without ack", transport: "websocket", steps: steps(
		wsSession(), wsText(0, "40"), wsRecv(0), wsText(0, `42["echo","a",{"b":[1,2]}]`), wsRecv(0))},
	{name: "ack to the client", transport: "websocket", steps: steps(
		wsSession(), wsText(0, "40"), wsRecv(0), wsText(0, `4213["echo","a",1,null]`), wsRecv(0))},
	{name: "ack to the server", transport: "websocket", steps: steps(
		wsSession(), wsText(0, "40"), wsRecv(0), wsText(0, `42["ask","ready?"]`), wsRecv(0).because(askIDs), wsText(0, `43{ack}["yes"]`), wsRecv(0))},
	{name: "binary from the server", transport: "websocket", steps: steps(
		wsSession(), wsText(0, "40"), wsRecv(0), wsText(0, `42["bin"]`), wsRecv(0), wsRecv(0), wsRecv(0))},
	{name: "binary from the client with ack", transport: "websocket", steps: steps(
		wsSession(), wsText(0, "40"), wsRecv(0), wsText(0, `451-5["echo",{"_placeholder":true,"num":0}]`), wsBinary(0, 5, 6),
		wsRecv(0), wsRecv(0))},
	{name: "binary ack to the server", transport: "websocket", steps: steps(
		wsSession(), wsText(0, "40"), wsRecv(0), wsText(0, `42["ask","bytes?"]`), wsRecv(0).because(askIDs),
		wsText(0, `461-{ack}[{"_placeholder":true,"num":0}]`), wsBinary(0, 7), wsRecv(0), wsRecv(0))},
	{name: "malformed packet", transport: "websocket", steps: steps(
		wsSession(), wsText(0, "40"), wsRecv(0), wsText(0, `42["echo"`), wsRecv(0), waitSessions(0))},
	{name: "unknown packet type", transport: "websocket", steps: steps(
		wsSession(), wsText(0, "40"), wsRecv(0), wsText(0, `49`), wsRecv(0), waitSessions(0))},

	// Disconnects.
	// The ack on /admin shows the server has handled the "41" before the
	// client connects "/" again (socket.io closes a connection that sends
	// anything but a CONNECT for a namespace it is not in).
	{name: "client leaves the namespace", transport: "websocket", steps: steps(
		wsSession(), wsText(0, "40"), wsRecv(0), wsText(0, `40/admin,{"token":"secret"}`), wsRecv(0),
		wsText(0, "41"), wsText(0, `42/admin,3["whoami"]`), wsRecv(0), wsText(0, "40"), wsRecv(0))},
	{name: "event for a namespace left", transport: "websocket", steps: steps(
		wsSession(), wsText(0, "40"), wsRecv(0), wsText(0, `40/admin,{"token":"secret"}`), wsRecv(0),
		wsText(0, "41/admin,"), wsText(0, `422["echo","sync"]`), wsRecv(0), wsText(0, `42/admin,4["whoami"]`), wsRecv(0), waitSessions(0))},
	{name: "server leaves the namespace", transport: "websocket", steps: steps(
		wsSession(), wsText(0, "40"), wsRecv(0), wsText(0, `42["leave"]`), wsRecv(0), wsText(0, "40"), wsRecv(0))},
	{name: "server closes the connection", transport: "websocket", steps: steps(
		wsSession(), wsText(0, "40"), wsRecv(0), wsText(0, `42["kick"]`), wsRecv(0), wsRecv(0), waitSessions(0))},
	{name: "client closes the connection", transport: "websocket", steps: steps(
		wsSession(), wsText(0, "40"), wsRecv(0), wsClose(0, ws.StatusGoingAway), wsRecv(0), waitSessions(0))},

	// The same over long-polling.
	{name: "polling connect with auth and ack", transport: "polling", steps: steps(
		open(), post(`40{"token":"p"}`), collect(1), post(`421["auth"]`), collect(1))},
	{name: "polling namespace refused", transport: "polling", steps: steps(
		open(), post("40/admin,"), collect(1), post("40/nope,"), collect(1))},
	{name: "polling ack to the server", transport: "polling", steps: steps(
		open(), post("40"), collect(1), post(`42["ask","q"]`), collect(1).because(askIDs), post(`43{ack}["a"]`), collect(1))},
	{name: "polling binary both ways", transport: "polling", steps: steps(
		open(), post("40"), collect(1), post(`42["bin"]`), collect(3),
		post("451-2[\"echo\",{\"_placeholder\":true,\"num\":0}]\x1ebBQY="), collect(2))},
	{name: "polling server leaves and closes", transport: "polling", steps: steps(
		open(), post("40"), collect(1), post(`42["leave"]`), collect(1), post("40"), collect(1),
		getAsync("a"), waitWaiting(1), post(`42["kick"]`), await("a"), get().because(backendCloseHop), get())},
	{name: "polling client disconnect", transport: "polling", steps: steps(
		open(), post("40"), collect(1), post("41"), post("1"), get())},
	{name: "upgrade with a namespace", transport: "upgrade", steps: steps(
		open(), post("40"), collect(1), upgrade(0), wsText(0, `421["echo","up"]`), wsRecv(0))},
}
