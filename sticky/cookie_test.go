package sticky

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestParseCookie(t *testing.T) {
	tests := []struct {
		spec string
		want string // Set-Cookie for node "node-a"; "" = no cookie
		err  bool
	}{
		{"", "", false},
		{"   ", "", false},
		{"sidecast_node", "sidecast_node=node-a", false},
		{"sidecast_node; Path=/; HttpOnly; SameSite=Lax", "sidecast_node=node-a; Path=/; HttpOnly; SameSite=Lax", false},
		{" n ;Max-Age=3600;  Secure ", "n=node-a; Max-Age=3600; Secure", false},
		{"n; Expires=Wed, 21 Oct 2037 07:28:00 GMT", "n=node-a; Expires=Wed, 21 Oct 2037 07:28:00 GMT", false},
		{"bad name; Path=/", "", true},
		{"n=v; Path=/", "", true},
		{"n; Pth=/", "", true},
		{"n; Path=/\r\nX-Evil: 1", "", true},
		{"; Path=/", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			c, err := ParseCookie(tt.spec)
			if tt.err {
				if !errors.Is(err, ErrBadCookie) {
					t.Fatalf("ParseCookie(%q) = %v, %v; want ErrBadCookie", tt.spec, c, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if c != nil {
				got = c.header(cookieValue("node-a"))
			}
			if got != tt.want {
				t.Fatalf("Set-Cookie %q, want %q", got, tt.want)
			}
			if got != "" {
				// What a browser or load balancer reads back.
				resp := http.Response{Header: http.Header{"Set-Cookie": {got}}}
				if cs := resp.Cookies(); len(cs) != 1 || cs[0].Name != c.Name || cs[0].Value != "node-a" {
					t.Fatalf("net/http reads %q as %v", got, cs)
				}
			}
		})
	}
}

func TestCookieValue(t *testing.T) {
	if got := cookieValue("node-a"); got != "node-a" {
		t.Fatalf("cookieValue(node-a) = %q", got)
	}
	for _, id := range []string{"", "a b", "a;b", `a"b`, "é"} {
		if got := cookieValue(id); got != NodeTag(id).String() {
			t.Fatalf("cookieValue(%q) = %q, want the tag", id, got)
		}
	}
}

// FuzzParseCookie: an accepted spec yields a Set-Cookie value without
// control characters whose name net/http reads back.
func FuzzParseCookie(f *testing.F) {
	for _, s := range []string{"sidecast_node; Path=/; HttpOnly; SameSite=Lax", "n", "n; Pth=/", "a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		c, err := ParseCookie(spec)
		if err != nil || c == nil {
			return
		}
		h := c.header("v")
		if strings.ContainsAny(h, "\r\n\x00") {
			t.Fatalf("spec %q gives Set-Cookie %q", spec, h)
		}
		resp := http.Response{Header: http.Header{"Set-Cookie": {h}}}
		if cs := resp.Cookies(); len(cs) != 1 || cs[0].Name != c.Name {
			t.Fatalf("spec %q: Set-Cookie %q reads back as %v", spec, h, cs)
		}
	})
}
