// Package wschat is a small, ordinary, single-node WebSocket chat server: the
// kind of legacy backend sidecast is built to sit in front of. It knows
// nothing about sidecast, Redis or other nodes, and it must stay that way —
// it is the backend of the websocket tests and of `sidecast demo`.
//
// Protocol (JSON text messages; the user name comes from the `user` query
// parameter of the upgrade request, any path upgrades):
//
//	client → server                          server → clients
//	{"type":"join","room":R}                 {"type":"joined","room":R,"user":U} to R, joiner included
//	{"type":"say","room":R,"text":T}         {"type":"said","room":R,"from":U,"text":T} to R, sender included
//	{"type":"leave","room":R}                {"type":"left","room":R,"user":U} to R, leaver included
//	{"type":"members","room":R}              {"type":"members","room":R,"users":[...]} to the asker only
//	anything else                            {"type":"error","error":...} to the sender only
//
// On disconnect the user leaves every room and the remaining members get
// "left". With Options.Welcome a connection first receives
// {"type":"welcome","user":U} — an event every backend of a cluster would
// emit for the same cause, the typical entry of LOCAL_EVENTS.
//
// Plain HTTP: GET / serves a one-page browser client, GET /rooms lists rooms
// and members as JSON, POST /rooms/{room}/announce broadcasts the request
// body to a room as "said" from "server" (a broadcast triggered by HTTP).
//
// Goroutines: the caller's http.Server runs ServeHTTP; each upgraded
// connection gets one reader goroutine (readLoop, which also runs the
// handlers) and one writer goroutine (writeLoop, draining a bounded queue).
// Both are owned by the Server: Close closes every connection and waits for
// both loops of each to return. Room state sits behind one mutex, and a
// broadcast enqueues to every member while holding it, so all members of a
// room see its messages in one order.
package wschat
