package sticky

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Headers sidecast sets on a request it forwards to a peer. Every header
// starting with HeaderPrefix is stripped from what clients send, so only a
// peer (signed, or trusted without CLUSTER_SECRET) can set them.
const (
	HeaderPrefix = "X-Sidecast-"
	// HopHeader marks a forwarded request: its receiver serves it locally,
	// never forwards it again.
	HopHeader = "X-Sidecast-Hop"
	// FromHeader names the forwarding node.
	FromHeader = "X-Sidecast-From"
	// ClientHeader carries the client's address as the forwarding node saw
	// it, so the owner's backend sees the client, not the peer.
	ClientHeader = "X-Sidecast-Client"
	// TimeHeader and SignatureHeader carry the peer signature (with
	// CLUSTER_SECRET): unix milliseconds, and base64url HMAC-SHA256.
	TimeHeader      = "X-Sidecast-Time"
	SignatureHeader = "X-Sidecast-Signature"
)

// DefaultTrustedProxies are loopback and the private ranges.
var DefaultTrustedProxies = []string{
	"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7",
}

// ParseTrusted parses CIDRs or bare addresses.
func ParseTrusted(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%w: %q is not a CIDR or an address", ErrBadTrusted, s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// trusted reports whether the immediate peer at remoteAddr (ip:port) is in
// one of the ranges.
func trusted(ranges []netip.Prefix, remoteAddr string) bool {
	a, ok := remoteIP(remoteAddr)
	if !ok {
		return false
	}
	for _, p := range ranges {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func remoteIP(remoteAddr string) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// stripSidecast deletes every X-Sidecast-* header.
func stripSidecast(h http.Header) {
	for k := range h {
		if len(k) >= len(HeaderPrefix) && strings.EqualFold(k[:len(HeaderPrefix)], HeaderPrefix) {
			delete(h, k)
		}
	}
}

// clientIdentity drops what the immediate peer may not assert: every
// X-Sidecast-* header, and X-Forwarded-* unless the peer is a trusted
// proxy (the proxy then appends the peer's address, so an untrusted
// client's X-Forwarded-For is replaced by its real address).
func clientIdentity(h http.Header, isTrusted bool) {
	stripSidecast(h)
	if !isTrusted {
		h.Del("X-Forwarded-For")
		h.Del("X-Forwarded-Host")
		h.Del("X-Forwarded-Proto")
		h.Del("Forwarded")
		h.Del("X-Real-Ip")
	}
}
