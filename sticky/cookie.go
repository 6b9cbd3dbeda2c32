package sticky

import (
	"fmt"
	"strings"
)

// Cookie is the affinity cookie (STICKY_COOKIE) for load balancers that
// stick by cookie: sidecast sets Name=<node> on each Engine.IO handshake
// answer, with the attributes as given.
type Cookie struct {
	Name  string
	Attrs []string // "Path=/", "HttpOnly", … in the order given
}

// cookieAttrs are the attribute names a Set-Cookie may carry; anything else
// is a typo worth stopping start-up for.
var cookieAttrs = map[string]bool{
	"path": true, "domain": true, "max-age": true, "expires": true,
	"secure": true, "httponly": true, "samesite": true, "partitioned": true,
}

// ParseCookie parses "name; Attr; Attr=value…". An empty spec means no
// cookie (nil, nil).
func ParseCookie(spec string) (*Cookie, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, nil
	}
	parts := strings.Split(spec, ";")
	c := &Cookie{Name: strings.TrimSpace(parts[0])}
	if !isToken(c.Name) {
		return nil, fmt.Errorf("%w: name %q is not a cookie name", ErrBadCookie, c.Name)
	}
	for _, p := range parts[1:] {
		p = strings.TrimSpace(p)
		name, _, _ := strings.Cut(p, "=")
		if !cookieAttrs[strings.ToLower(strings.TrimSpace(name))] {
			return nil, fmt.Errorf("%w: %q is not a cookie attribute (Path, Domain, Max-Age, Expires, Secure, HttpOnly, SameSite, Partitioned)", ErrBadCookie, p)
		}
		if strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return nil, fmt.Errorf("%w: attribute %q has a control character", ErrBadCookie, p)
		}
		c.Attrs = append(c.Attrs, p)
	}
	return c, nil
}

// header returns the Set-Cookie value naming this node.
func (c *Cookie) header(value string) string {
	var sb strings.Builder
	sb.WriteString(c.Name)
	sb.WriteByte('=')
	sb.WriteString(value)
	for _, a := range c.Attrs {
		sb.WriteString("; ")
		sb.WriteString(a)
	}
	return sb.String()
}

// isToken reports whether s is a non-empty RFC 7230 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b <= 0x20 || b >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, b) >= 0 {
			return false
		}
	}
	return true
}

// cookieValue is the node id when it is a valid cookie value (SERVER_ID
// usually is), else the node's tag.
func cookieValue(nodeID string) string {
	for i := 0; i < len(nodeID); i++ {
		b := nodeID[i]
		if b <= 0x20 || b >= 0x7f || b == '"' || b == ',' || b == ';' || b == '\\' {
			return NodeTag(nodeID).String()
		}
	}
	if nodeID == "" {
		return NodeTag(nodeID).String()
	}
	return nodeID
}
