// Package proxy puts sidecast between clients and one unmodified backend:
// WebSocket upgrades become relayed sessions, every other HTTP request is
// reverse-proxied to the backend unchanged.
//
// # Upgrade
//
// ServeHTTP dials the backend first (the client's path and query, its identity
// headers, its subprotocol offer, X-Forwarded-* appended, X-Sidecast-* never
// passed on), and only then answers the client's upgrade with the subprotocol
// the backend chose. A backend that cannot be reached gives the client 502
// before any upgrade; the backend's Set-Cookie on its 101 reaches the client.
// Bytes either side sent right behind its handshake, already sitting in a
// bufio.Reader, are relayed before anything read later.
//
// RelayWebSocket does the same toward another sidecast instead of the
// backend (package sticky relays an upgrade for a session that peer owns):
// the result is a plain websocket session in the poller that the Cluster
// never sees.
//
// Every request is first sanitized: X-Sidecast-* headers are dropped, and so
// are X-Forwarded-* unless the direct peer is in Config.TrustedProxies. Every
// later step (upgrade, reverse proxy, mirror handshakes) appends to what is
// left, so a client cannot forge its address.
//
// # Session model
//
// A session has a client side and an upstream side. Each side is a
// messageSink for the other: it takes whole messages (opcode + payload) and
// queues them in a bounded write queue. For PROTOCOL=websocket both sides are
// wsLegs. The model is built so other sides plug in:
//
//   - An Engine.IO client side (websocket or HTTP long-polling, where the client
//     is not a socket at all) implements messageSink toward the client and calls
//     the upstream leg's WriteMessage with the messages it decodes.
//   - The fan-out plugs in through a Cluster (cluster*.go; see below).
//
// # Data flow and goroutines
//
// Both legs' sockets are registered in a netpoll.Poller, which reports each
// change of readiness once. When a socket is ready, one poller worker calls
// the leg's Ready: it borrows a read buffer from a pool, reads until EAGAIN or
// a short read (bounded per event: the rest is handed back to the poller),
// lets the wsframe.Decoder parse whole messages in place, relays each to the
// peer's write queue, answers pings itself, flushes the peer once per batch
// and returns the buffer; no system call re-arms it. Writes never block: a
// queue that cannot be written right away adds write interest to its leg
// until it is empty again, and a queue that would pass WriteQueueBytes closes
// that slow side with 1008 (counted). So an idle session parks no goroutine and
// holds no buffer: only its two sockets and two small structs.
//
// Locks: a leg's rmu is held by the worker serving its readiness event (it
// guards the decoder); its wmu guards its write queue and close state. A worker
// holding one leg's rmu may take the other leg's wmu, never the other way
// round, and no wmu is held while taking another.
//
// # Closing
//
// A close frame from either side is carried (code and reason) to the other and
// its code echoed back; a protocol violation closes the offending side with its
// RFC 6455 code (1002, 1007, 1009) and the other with 1001 or 1011; a backend
// lost without a close frame closes the client with 1011. A closing leg flushes
// its close frame; if the peer's close already arrived it closes the socket
// then, otherwise it half-closes it (a FIN follows the close frame) and reads,
// discarding, until the peer's close frame or EOF. Closing with unread input
// would send a reset, which can destroy the close frame before the peer reads
// it. Config.CloseGrace bounds all of this. Server.Close closes every session
// with 1001, then stops the poller and waits for its workers.
//
// # Engine.IO (PROTOCOL=socketio and engineio, files eio_*.go)
//
// Requests on SocketIOPath are Engine.IO v4. With ProtocolEngineIO nothing
// below reads Socket.IO: each Engine.IO message is a unit of its own (a
// text message as its packet "4…", binary data as it came), relayed and
// handed to the Cluster whole. A handshake dials the backend
// first over Engine.IO websocket (the client's query with transport=websocket,
// identity headers as above) and reads its open packet; the client's open
// packet has sidecast's own sid (from Config.NewSID: package sticky tags it
// with this node, so any node can route the session's later requests) with
// the backend's pingInterval, pingTimeout and maxPayload. An eioSession then owns one upstream wsLeg (its peer,
// eioToClient, answers the backend's pings and hands Socket.IO packets to the
// client transport) and a client side that is HTTP long-polling (a pending
// GET waits on a channel; POST bodies are decoded and relayed), a client
// wsLeg, or polling with a probing wsLeg until "5" completes the upgrade.
// While a websocket probes, a GET waits at most probeNoopDelay for data and
// then gets a noop, as with the reference server: the client pauses polling
// only after its pending GET returns, and holds its emits until then.
// A probe queues that noop only for a GET that is waiting. How a session
// ends decides what a polling client sees, as on the reference server: a
// failure (ping timeout, bad packet) or the client's own close packet drops
// the sid at once (a waiting GET gets a close packet, or a noop after the
// client's close); a close from the backend keeps it until a GET took
// what was queued and a noop and close packet. A second websocket for a
// session that is upgraded or probing gets its 101 and then a close frame.
// sidecast pings the client itself from a timer. A binary Socket.IO packet
// and its attachments are assembled and written as one unit. Legs report to
// an eioLegOwner; malformed input ends only its own session. Lock order:
// a leg's rmu, then eioSession.inMu, then eioSession.mu, then a leg's wmu.
//
// # Cluster hooks (cluster*.go)
//
// With a Cluster set (SetCluster; package fanout implements it, the proxy
// never imports it), every session opened here is reported with its
// Handshake (path, query, the headers its backend got) and gets a
// ClusterSession. The relay then hands whole units instead of writing
// across: a WebSocket message, or a Socket.IO packet with its attachments.
// For a WebSocket session each leg's peer becomes a wsToCluster sink; an
// Engine.IO session calls its eioCluster from clientMessageLocked and from
// the upstream relay. FromClient and FromBackend run on the goroutine that
// relays that direction (one at a time) and write on through Home, which
// the fan-out may also call from its own goroutines (released barriers,
// frames relayed from other nodes): Home takes the same locks a relay
// does, after the fan-out's own. When the session closes, Closed says how
// long the backend's close must wait (held units and the release grace).
//
// DialMirror opens a mirror: an upstream leg to this node's backend with a
// replayed Handshake plus X-Sidecast-Mirror: 1 and X-Sidecast-Home: <home
// node id>, registered in the poller like any leg (no goroutine). Its peer
// is a sink that answers Engine.IO pings and hands whole units to a
// MirrorHandler; Mirror.Write sends replayed packets to the backend.
//
// # Why eio_ and cluster_ files share the package
//
// The eio_*.go files are one concept (an Engine.IO session with its
// transports), and so are the cluster*.go hooks, but neither has state of
// its own apart from the proxy's: an eioSession's legs are the same leg
// type, registered in the same poller, written through the same bounded
// queues and counted in the same Stats as a WebSocket session's, and the
// lock order above runs across both. A package of their own would have to
// export the leg, the queue and the poller's registration for them alone,
// making the relay's internals an API. The codecs that have no such state
// are packages already (engineio, socketio, wsframe, netpoll); the prefixes
// keep the two concepts findable inside the one that does.
package proxy
