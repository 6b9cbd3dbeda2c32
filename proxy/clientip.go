package proxy

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// DefaultTrustedProxies are the peers whose X-Forwarded-* headers are kept
// when Config.TrustedProxies is nil: loopback and private ranges, where load
// balancers and ingress controllers live.
var DefaultTrustedProxies = []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("fc00::/7"),
}

// forwardedHeaders are the client-address headers only a trusted peer may set.
var forwardedHeaders = []string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"}

// sanitize returns the request every later step sees: without X-Sidecast-*
// headers, which only sidecast sets, and without X-Forwarded-* unless the
// direct peer is trusted. So the upgrade, the reverse proxy and the mirrors'
// handshakes all append to a chain a client cannot forge. r is cloned only
// when something has to go.
func sanitize(r *http.Request, trusted []netip.Prefix) *http.Request {
	untrusted := !isTrusted(peerIP(r.RemoteAddr), trusted)
	if !needsSanitizing(r.Header, untrusted) {
		return r
	}
	r = r.Clone(r.Context())
	stripSidecastHeaders(r.Header)
	if untrusted {
		for _, k := range forwardedHeaders {
			r.Header.Del(k)
		}
	}
	return r
}

func needsSanitizing(h http.Header, untrusted bool) bool {
	for k := range h {
		if hasSidecastPrefix(k) {
			return true
		}
	}
	if untrusted {
		for _, k := range forwardedHeaders {
			if _, ok := h[k]; ok {
				return true
			}
		}
	}
	return false
}

func peerIP(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}

func isTrusted(ip string, trusted []netip.Prefix) bool {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	for _, p := range trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// forwardedFor appends the peer's address to the X-Forwarded-For chain that
// survived sanitize.
func forwardedFor(r *http.Request) string {
	ip := peerIP(r.RemoteAddr)
	if prior := r.Header.Values("X-Forwarded-For"); len(prior) > 0 {
		return strings.Join(prior, ", ") + ", " + ip
	}
	return ip
}

// forwardedProto and forwardedHost keep what a trusted proxy said (it saw the
// client's scheme and host), else describe this hop.
func forwardedProto(r *http.Request) string {
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		return p
	}
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

func forwardedHost(r *http.Request) string {
	if h := r.Header.Get("X-Forwarded-Host"); h != "" {
		return h
	}
	return r.Host
}
