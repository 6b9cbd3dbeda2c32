package sticky

import (
	"context"
	"errors"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/sidecast/sidecast/fanout"
	"github.com/sidecast/sidecast/proxy/engineio"
)

// Wrap returns the handler of the client port: next serves what belongs to
// this node, the router everything that belongs to a peer.
func (r *Router) Wrap(next http.Handler) http.Handler {
	return &front{r: r, next: next}
}

// front is the Router's http.Handler; its methods run on the HTTP
// server's request goroutines.
type front struct {
	r    *Router
	next http.Handler
}

func (f *front) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r := f.r
	var sid string
	eio := r.isEngineIO(req)
	if eio {
		sid = req.URL.Query().Get("sid")
	}
	fwd, err := r.admit(req, sid != "")
	if err != nil {
		r.refusedForward(req, err)
		http.Error(w, "forward refused", http.StatusForbidden)
		return
	}
	switch {
	case !eio:
		f.next.ServeHTTP(w, req)
	case sid == "":
		if r.setCookie != "" {
			w.Header().Add("Set-Cookie", r.setCookie)
		}
		f.next.ServeHTTP(w, req)
	default:
		f.route(w, req, sid, fwd)
	}
}

// refusedForward counts a refused forward and logs it, at most once per
// logEvery: a client may send forged forwards at any rate, while a
// peer with another CLUSTER_SECRET must still show up in the logs.
func (r *Router) refusedForward(req *http.Request, err error) {
	n := r.refused.Add(1)
	if !r.refusedLog.due() {
		return
	}
	r.log.Warn("sticky: forward refused (a forged forward, or a peer with another CLUSTER_SECRET)",
		"remote", req.RemoteAddr, "err", err, "refused_total", n)
}

// route serves a request for session sid here, or at its owner.
func (f *front) route(w http.ResponseWriter, req *http.Request, sid string, fwd bool) {
	r := f.r
	tag, err := r.codec.Parse(sid)
	switch {
	case err != nil || tag == r.self || r.cfg.DisableForwarding:
		f.next.ServeHTTP(w, req) // known here, or unknown anywhere
	case fwd:
		// At most one hop: a peer that sent it here thought this node owns it.
		r.hopUnknown.Add(1)
		writeUnknownSID(w)
	default:
		peer, ok := r.owner(tag)
		if !ok {
			r.ownerGone.Add(1)
			writeUnknownSID(w)
			return
		}
		r.forward(w, req, peer)
	}
}

// admit sanitises req's headers and reports whether it is a forward from a
// peer. Peers forward only requests for a session (routable); the request
// of a forward is never seen by a backend (its session's upstream was
// opened at the handshake), and its client address (ClientHeader) becomes
// req.RemoteAddr for the owner's own handling. The error is a forward that
// must be refused: with a secret, any request that claims to be one must
// carry a valid signature.
func (r *Router) admit(req *http.Request, routable bool) (bool, error) {
	isTrusted := trusted(r.cfg.Trusted, req.RemoteAddr)
	if req.Header.Get(HopHeader) == "" {
		clientIdentity(req.Header, isTrusted)
		return false, nil
	}
	if r.signer != nil {
		if err := r.signer.verify(req); err != nil {
			return false, err
		}
	} else if !isTrusted || !routable {
		// Without a secret only a trusted address may claim to be a peer,
		// and only for what peers forward: a client behind a trusted
		// balancer must not choose the address its handshake reports.
		clientIdentity(req.Header, isTrusted)
		return false, nil
	}
	if c := req.Header.Get(ClientHeader); c != "" {
		if _, ok := remoteIP(c); ok {
			req.RemoteAddr = c
		}
	}
	stripSidecast(req.Header)
	return true, nil
}

func (r *Router) isEngineIO(req *http.Request) bool {
	p := r.cfg.EngineIOPath
	return p != "" && (req.URL.Path == p || req.URL.Path == strings.TrimSuffix(p, "/"))
}

// forward relays req (a polling request or a websocket upgrade) to the
// owner's sidecast and its answer back, marked as one hop.
func (r *Router) forward(w http.ResponseWriter, req *http.Request, peer fanout.Peer) {
	target, err := peerURL(peer.Address)
	if err != nil {
		r.ownerGone.Add(1)
		r.log.Warn("sticky: peer advertises an unusable address", "peer", peer.ID, "address", peer.Address, "err", err)
		writeUnknownSID(w)
		return
	}
	r.forwarded.Add(1)
	if r.cfg.RelayWebSocket != nil && isUpgrade(req) {
		r.relayUpgrade(w, req, target)
		return
	}
	rp := &httputil.ReverseProxy{
		Rewrite:       func(pr *httputil.ProxyRequest) { r.rewrite(pr, target) },
		Transport:     r.transport,
		FlushInterval: -1,
		ErrorHandler:  r.forwardFailed,
	}
	rp.ServeHTTP(w, req)
}

// rewrite addresses the forward to target, keeps the client's Host and the
// sanitised X-Forwarded-For, and marks (and signs) the hop.
func (r *Router) rewrite(pr *httputil.ProxyRequest, target *url.URL) {
	pr.SetURL(target)
	pr.Out.Host = pr.In.Host
	if xff, ok := pr.In.Header["X-Forwarded-For"]; ok {
		pr.Out.Header["X-Forwarded-For"] = xff
	}
	h := pr.Out.Header
	h.Set(HopHeader, "1")
	h.Set(FromHeader, r.cfg.NodeID)
	h.Set(ClientHeader, pr.In.RemoteAddr)
	if r.signer != nil {
		r.signer.sign(pr.Out)
	}
}

// relayUpgrade hands a websocket upgrade to Config.RelayWebSocket with the
// headers rewrite would set: the hop, its sender and signature, the
// client's address and X-Forwarded-For.
func (r *Router) relayUpgrade(w http.ResponseWriter, req *http.Request, target *url.URL) {
	u := *target
	u.Scheme = "ws"
	if target.Scheme == "https" {
		u.Scheme = "wss"
	}
	u.Path, u.RawPath = singleJoin(target.Path, req.URL.Path), ""
	u.RawQuery = req.URL.RawQuery
	h := http.Header{}
	if xff, ok := req.Header["X-Forwarded-For"]; ok {
		h["X-Forwarded-For"] = xff
	}
	for _, k := range []string{"Origin", "User-Agent"} {
		if v := req.Header.Get(k); v != "" {
			h.Set(k, v)
		}
	}
	h.Set(HopHeader, "1")
	h.Set(FromHeader, r.cfg.NodeID)
	h.Set(ClientHeader, req.RemoteAddr)
	if r.signer != nil {
		r.signer.signHeader(h, http.MethodGet, u.RequestURI())
	}
	if err := r.cfg.RelayWebSocket(w, req, &u, h); err != nil {
		r.forwardFailed(w, req, err)
	}
}

// singleJoin joins a base path and a request path with one slash.
func singleJoin(base, p string) string {
	switch {
	case base == "" || base == "/":
		return p
	case strings.HasSuffix(base, "/") && strings.HasPrefix(p, "/"):
		return base + p[1:]
	}
	return base + p
}

func isUpgrade(req *http.Request) bool {
	return strings.EqualFold(req.Header.Get("Upgrade"), "websocket")
}

// forwardFailed answers a forward the owner did not take: the client gets
// "Session ID unknown" and reconnects, as with any lost session.
func (r *Router) forwardFailed(w http.ResponseWriter, req *http.Request, err error) {
	if errors.Is(err, context.Canceled) && req.Context().Err() != nil {
		return // the client left
	}
	n := r.ownerGone.Add(1)
	if r.lostLog.due() { // a dead node fails every poll of its clients at once
		r.log.Warn("sticky: owner did not answer a forward", "path", req.URL.Path, "err", err, "owner_gone_total", n)
	}
	writeUnknownSID(w)
}

func writeUnknownSID(w http.ResponseWriter) {
	c := engineio.CodeUnknownSID
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(c.Status())
	_, _ = w.Write(c.Body())
}

// peerURL reads a registry address: a URL (ADVERTISE_URL) or host:port.
func peerURL(addr string) (*url.URL, error) {
	if !strings.Contains(addr, "://") {
		addr = "http://" + addr
	}
	u, err := url.Parse(addr)
	if err != nil {
		return nil, err
	}
	if u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, ErrBadAdvertise
	}
	return u, nil
}
