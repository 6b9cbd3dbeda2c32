package conformance

import (
	"net/http"
	"strings"

	"github.com/gobwas/ws"
)

// The Engine.IO table, played against the reference engine.io server (the
// peer in MODE=eio: it echoes messages, answers "bin" with the bytes
// 01 02 03 ff and closes the session on "close"; maxPayload 1000) and
// against sidecast with PROTOCOL=engineio in front of it.

const (
	wsNew     = "EIO=4&transport=websocket"
	wsSID     = "EIO=4&transport=websocket&sid={sid}"
	pollSID   = "EIO=4&transport=polling&sid={sid}"
	pollNew   = "EIO=4&transport=polling"
	appOrigin = "http://app.example"
)

// probe upgrades the exchange's polling session on websocket conn.
func probe(conn int) []step {
	return []step{wsDial(conn, wsSID), wsText(conn, "2probe"), wsRecv(conn)}
}

func upgrade(conn int) []step {
	return append(probe(conn), wsText(conn, "5"))
}

func steps(parts ...any) []step {
	var out []step
	for _, p := range parts {
		switch v := p.(type) {
		case step:
			out = append(out, v)
		case []step:
			out = append(out, v...)
		}
	}
	return out
}

var eioExchanges = []exchange{
	// The handshake and requests that are refused.
	{name: "polling handshake", transport: "polling", steps: steps(open())},
	{name: "handshake protocol 3", transport: "http", steps: steps(request(http.MethodGet, "EIO=3&transport=polling", nil, ""))},
	{name: "handshake protocol 5", transport: "http", steps: steps(request(http.MethodGet, "EIO=5&transport=polling", nil, ""))},
	{name: "handshake without protocol", transport: "http", steps: steps(request(http.MethodGet, "transport=polling", nil, ""))},
	{name: "unknown transport", transport: "http", steps: steps(request(http.MethodGet, "EIO=4&transport=flash", nil, ""))},
	{name: "no transport", transport: "http", steps: steps(request(http.MethodGet, "EIO=4", nil, ""))},
	{name: "handshake by POST", transport: "http", steps: steps(request(http.MethodPost, pollNew, nil, "4x"))},
	{name: "handshake by PUT", transport: "http", steps: steps(request(http.MethodPut, pollNew, nil, ""))},
	{name: "unknown sid GET", transport: "http", steps: steps(request(http.MethodGet, "EIO=4&transport=polling&sid=nosuchsession", nil, ""))},
	{name: "unknown sid from another origin", transport: "http", steps: steps(
		request(http.MethodGet, "EIO=4&transport=polling&sid=nosuchsession", http.Header{"Origin": {appOrigin}}, "").because(
			"sidecast turns the request down itself and does not know the backend's CORS policy; a browser " +
				"on another origin sees a network error instead of the 400, and engine.io-client handles both " +
				"as a transport error (it reconnects with a new handshake)"))},
	{name: "unknown sid POST", transport: "http", steps: steps(request(http.MethodPost, "EIO=4&transport=polling&sid=nosuchsession", nil, "4x"))},
	{name: "websocket transport without upgrade", transport: "http", steps: steps(request(http.MethodGet, wsNew, nil, ""))},
	{name: "websocket unknown sid", transport: "websocket", steps: steps(wsDial(0, "EIO=4&transport=websocket&sid=nosuchsession"))},
	{name: "websocket without key", transport: "websocket", steps: steps(
		wsDial(0, wsNew).withHeader("Sec-Websocket-Key", "").because(
			"each websocket library words its own refusal; the status (400) is the same"))},
	{name: "websocket version 8", transport: "websocket", steps: steps(
		wsDial(0, wsNew).withHeader("Sec-Websocket-Version", "8").because(
			"the ws package still accepts the hybi-08 draft; sidecast speaks RFC 6455 (version 13) only, " +
				"which every browser and engine.io client sends"))},
	{name: "session GET with the wrong transport", transport: "http", steps: steps(open(), request(http.MethodGet, wsSID, nil, ""))},
	{name: "session PUT", transport: "http", steps: steps(open(), request(http.MethodPut, pollSID, nil, ""), post("4after"), get())},
	{name: "CORS preflight", transport: "http", steps: steps(
		request(http.MethodOptions, pollNew, http.Header{"Origin": {appOrigin}, "Access-Control-Request-Method": {"POST"}}, ""))},
	{name: "CORS on a session", transport: "polling", steps: steps(
		open().withHeader("Origin", appOrigin),
		request(http.MethodOptions, pollSID, http.Header{"Origin": {appOrigin}, "Access-Control-Request-Method": {"POST"}}, ""),
		post("4cors").withHeader("Origin", appOrigin),
		get().withHeader("Origin", appOrigin))},

	// Long-polling.
	{name: "polling echo", transport: "polling", steps: steps(open(), post("4hello"), get())},
	{name: "polling payload of three", transport: "polling", steps: steps(open(), post("4a\x1e4b\x1e4c"), collect(3))},
	{name: "polling binary both ways", transport: "polling", steps: steps(open(), post("bCQg="), get(), post("4bin"), get())},
	{name: "polling UTF-8", transport: "polling", steps: steps(open(), post("4héllo €"), get())},
	{name: "polling GET answered by a later message", transport: "polling", steps: steps(
		open(), getAsync("a"), waitWaiting(1), post("4late"), await("a"))},
	{name: "polling invalid packet", transport: "polling", steps: steps(open(), post("9x"), get())},
	{name: "polling invalid packet with a GET waiting", transport: "polling", steps: steps(
		open(), getAsync("a"), waitWaiting(1), post("9x"), await("a"), get())},
	{name: "polling empty POST", transport: "polling", steps: steps(open(), post(""), post("4after"), get())},
	{name: "polling upgrade packet", transport: "polling", steps: steps(open(), post("5"), post("4after"), get())},
	{name: "polling binary content type", transport: "polling", steps: steps(
		open(), post("4x").withHeader("Content-Type", "application/octet-stream"), post("4after"), get())},
	{name: "polling oversize POST", transport: "polling", steps: steps(open(), post("4"+strings.Repeat("x", 1200)), post("4after"), get())},
	{name: "polling overlapping GET", transport: "polling", steps: steps(
		open(), getAsync("a"), waitWaiting(1), get(), await("a"), get())},
	{name: "polling client close with a GET waiting", transport: "polling", steps: steps(
		open(), getAsync("a"), waitWaiting(1), post("1"), await("a"), get())},
	{name: "polling client close", transport: "polling", steps: steps(open(), post("1"), get())},
	{name: "polling server close with a GET waiting", transport: "polling", steps: steps(
		open(), getAsync("a"), waitWaiting(1), post("4close"), await("a"), get())},
	{name: "polling GET dropped by the client", transport: "polling", steps: steps(
		open(), getAsync("a"), waitWaiting(1), cancelGet("a"), waitSessions(0), get())},

	// Heartbeat (pingInterval 300 ms, pingTimeout 1000 ms).
	{name: "polling ping and pong", transport: "polling", fast: true, steps: steps(open(), get(), post("3"), get(), post("3"))},
	{name: "polling ping timeout", transport: "polling", fast: true, steps: steps(open(), get(), waitSessions(0), get())},
	{name: "polling ping timeout with a GET waiting", transport: "polling", fast: true, steps: steps(
		open(), get(), getAsync("a"), await("a"), get())},
	{name: "websocket ping and pong", transport: "websocket", fast: true, steps: steps(
		wsDial(0, wsNew), wsRecv(0), wsRecv(0), wsText(0, "3"), wsRecv(0))},
	{name: "websocket ping timeout", transport: "websocket", fast: true, steps: steps(
		wsDial(0, wsNew), wsRecv(0), wsRecv(0), wsRecv(0))},

	// Websocket.
	{name: "websocket echo", transport: "websocket", steps: steps(
		wsDial(0, wsNew), wsRecv(0), wsText(0, "4hello"), wsRecv(0), wsText(0, "4héllo €"), wsRecv(0))},
	{name: "websocket binary both ways", transport: "websocket", steps: steps(
		wsDial(0, wsNew), wsRecv(0), wsBinary(0, 9, 8, 7), wsRecv(0), wsText(0, "4bin"), wsRecv(0))},
	{name: "websocket client close", transport: "websocket", steps: steps(
		wsDial(0, wsNew), wsRecv(0), wsClose(0, ws.StatusNormalClosure), wsRecv(0), waitSessions(0))},
	{name: "websocket server close", transport: "websocket", steps: steps(
		wsDial(0, wsNew), wsRecv(0), wsText(0, "4close"), wsRecv(0), waitSessions(0))},
	{name: "websocket close packet", transport: "websocket", fast: true, steps: steps(
		wsDial(0, wsNew), wsRecv(0), wsText(0, "1"), wsRecv(0), wsText(0, "3"), wsText(0, "4still"), wsRecv(0))},
	{name: "websocket ping from the client", transport: "websocket", steps: steps(
		wsDial(0, wsNew), wsRecv(0), wsText(0, "2"), wsRecv(0), waitSessions(0))},
	{name: "polling ping from the client", transport: "polling", steps: steps(open(), post("2"), get())},
	{name: "polling open packet from the client", transport: "polling", steps: steps(open(), post("0"), post("6"), post("4after"), get())},
	{name: "websocket invalid packet", transport: "websocket", steps: steps(
		wsDial(0, wsNew), wsRecv(0), wsText(0, "9x"), wsRecv(0), waitSessions(0))},
	{name: "websocket oversize message", transport: "websocket", steps: steps(
		wsDial(0, wsNew), wsRecv(0), wsText(0, "4"+strings.Repeat("x", 1200)), wsRecv(0), waitSessions(0))},
	{name: "websocket fragmented message", transport: "websocket", steps: steps(
		wsDial(0, wsNew), wsRecv(0), wsRaw(0, fragments("4frag", "mented")), wsRecv(0))},
	{name: "websocket unmasked frame", transport: "websocket", steps: steps(
		wsDial(0, wsNew), wsRecv(0), wsRaw(0, unmasked("4bare")), wsRecv(0), waitSessions(0))},

	// The polling→websocket upgrade.
	{name: "upgrade", transport: "upgrade", steps: steps(
		open(), upgrade(0), wsText(0, "4up"), wsRecv(0), get(), post("4late"))},
	{name: "upgrade with a GET waiting", transport: "upgrade", steps: steps(
		open(), getAsync("a"), waitWaiting(1), probe(0), await("a"), wsText(0, "5"), wsText(0, "4up"), wsRecv(0))},
	{name: "upgrade carries what was queued", transport: "upgrade", steps: steps(
		open(), probe(0), post("4queued"), wsText(0, "5"), wsRecv(0))},
	{name: "upgrade: GET after it", transport: "upgrade", steps: steps(
		open(), upgrade(0), wsText(0, "4x"), wsRecv(0), get())},
	{name: "upgrade: second websocket after it", transport: "upgrade", steps: steps(
		open(), upgrade(0), wsText(0, "4x"), wsRecv(0), wsDial(1, wsSID), wsRecv(1), wsText(0, "4still"), wsRecv(0))},
	{name: "upgrade: second websocket while probing", transport: "upgrade", steps: steps(
		open(), probe(0), wsDial(1, wsSID), wsRecv(1), wsText(0, "5"), wsText(0, "4x"), wsRecv(0))},
	{name: "upgrade: bad probe", transport: "upgrade", steps: steps(
		open(), wsDial(0, wsSID), wsText(0, "2notprobe"), wsRecv(0), post("4poll"), get())},
	{name: "upgrade: message before the probe", transport: "upgrade", steps: steps(
		open(), wsDial(0, wsSID), wsText(0, "4early"), wsRecv(0), post("4poll"), get())},
	{name: "upgrade: probe websocket closed", transport: "upgrade", steps: steps(
		open(), probe(0), wsClose(0, ws.StatusNormalClosure), wsRecv(0), post("4poll"), get())},
	{name: "upgrade: client close on websocket", transport: "upgrade", steps: steps(
		open(), upgrade(0), wsClose(0, ws.StatusNormalClosure), wsRecv(0), waitSessions(0), get())},
}

// fragments is one text message in two masked frames.
func fragments(a, b string) []byte {
	f1 := ws.MaskFrameInPlace(ws.NewFrame(ws.OpText, false, []byte(a)))
	f2 := ws.MaskFrameInPlace(ws.NewFrame(ws.OpContinuation, true, []byte(b)))
	return append(frameBytes(f1), frameBytes(f2)...)
}

// unmasked is a client text frame without a mask, which RFC 6455 forbids.
func unmasked(s string) []byte { return frameBytes(ws.NewTextFrame([]byte(s))) }
