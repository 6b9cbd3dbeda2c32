// Package sticky makes load-balancer stickiness optional: any sidecast of a
// cluster may receive any request of any session.
//
// # Tags
//
// Every Engine.IO session id this node issues (Router.NewSID, plugged into
// proxy.Config.NewSID) carries the node's Tag: six bytes of a hash of its
// SERVER_ID, which every peer computes from the id the registry carries.
// A sid is base64url(tag | 15 random bytes | 3 check bytes); the check is
// an HMAC keyed with CLUSTER_SECRET (a fixed key without one), so Parse
// rejects a truncated or invented sid. A sid that does not parse, or that
// carries this node's tag, is served locally.
//
// # Data flow
//
// Router.Wrap puts the router in front of the proxy on the client port.
// For each request, on the HTTP server's request goroutine:
//
//  1. admit: every X-Sidecast-* header is stripped, and X-Forwarded-* too
//     unless the immediate peer is in TRUSTED_PROXIES (the proxy then
//     appends the real address, so a spoofed X-Forwarded-For is replaced).
//     A request with HopHeader is a forward from a peer: with a secret its
//     signature (HMAC over method, path and query, timestamp and sender;
//     bounded skew) must verify or it is refused with 403; without one
//     only a trusted address may send it, and only for a request with a
//     sid (what peers forward; a handshake claiming to be a forward is a
//     client's and is sanitised as one). An admitted forward's
//     ClientHeader becomes the request's RemoteAddr. No backend ever sees
//     a forwarded request: a session's upstream is opened at its
//     handshake, which is always served where it lands.
//  2. An Engine.IO request whose sid names a live peer is forwarded there:
//     a polling GET or POST with httputil.ReverseProxy over a shared
//     keep-alive transport; a websocket upgrade with Config.RelayWebSocket
//     (the proxy dials the peer and relays frames in its poller, no
//     goroutine per relay), or the reverse proxy's copy goroutines when
//     that is nil. The forward carries HopHeader; its receiver never
//     forwards again: a forwarded sid it does not own gets Engine.IO's
//     "Session ID unknown" (400), as does a sid whose owner is not a live
//     peer or does not answer, so the client reconnects.
//  3. An Engine.IO handshake (no sid) gets the affinity cookie when
//     STICKY_COOKIE is set, for load balancers that stick by cookie.
//
// The router holds no goroutine of its own; Close drops idle peer
// connections.
package sticky
