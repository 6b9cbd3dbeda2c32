package sticky

import (
	"errors"
	"strings"
	"testing"
)

func TestSIDRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		secret string
		node   string
	}{
		{"no secret", "", "node-a"},
		{"secret", "s3cret", "node-a"},
		{"long id", "s3cret", strings.Repeat("x", 200)},
		{"empty id", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCodec([]byte(tt.secret))
			tag := NodeTag(tt.node)
			seen := map[string]bool{}
			for range 100 {
				sid := c.NewSID(tag)
				if len(sid) != SIDLen || seen[sid] {
					t.Fatalf("sid %q: length %d or repeated", sid, len(sid))
				}
				seen[sid] = true
				if strings.ContainsFunc(sid, func(r rune) bool { return !isURLSafe(r) }) {
					t.Fatalf("sid %q is not URL-safe", sid)
				}
				got, err := c.Parse(sid)
				if err != nil || got != tag {
					t.Fatalf("Parse(%q) = %v, %v; want %v", sid, got, err, tag)
				}
			}
		})
	}
}

func isURLSafe(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
}

func TestSIDRejects(t *testing.T) {
	c := NewCodec([]byte("s3cret"))
	good := c.NewSID(NodeTag("node-a"))
	flip := []byte(good)
	flip[3] ^= 1 // still base64url, tag changed: the check must catch it
	if flip[3] == '+' || flip[3] == '/' {
		flip[3] = 'A'
	}
	tests := []struct {
		name string
		sid  string
	}{
		{"empty", ""},
		{"engine.io's own", "AAAAAAAAAAAAAAAAAAAA"},
		{"truncated", good[:SIDLen-1]},
		{"longer", good + "A"},
		{"not base64url", good[:SIDLen-1] + "+"},
		{"tag changed", string(flip)},
		{"other secret", NewCodec([]byte("other")).NewSID(NodeTag("node-a"))},
		{"no secret", NewCodec(nil).NewSID(NodeTag("node-a"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tag, err := c.Parse(tt.sid); !errors.Is(err, ErrBadSID) {
				t.Fatalf("Parse(%q) = %v, %v; want ErrBadSID", tt.sid, tag, err)
			}
		})
	}
}

func TestNodeTagsDiffer(t *testing.T) {
	seen := map[Tag]string{}
	for _, id := range []string{"a", "b", "node-1", "node-2", "sticky1-node0", "sticky1-node1", ""} {
		tag := NodeTag(id)
		if prev, ok := seen[tag]; ok {
			t.Fatalf("%q and %q share tag %v", prev, id, tag)
		}
		seen[tag] = id
		if NodeTag(id) != tag {
			t.Fatalf("NodeTag(%q) is not stable", id)
		}
	}
}

// FuzzParseSID: Parse never panics, accepts only SIDLen-long ids, and what
// it accepts re-encodes to a sid with the same tag.
func FuzzParseSID(f *testing.F) {
	c := NewCodec([]byte("fuzz"))
	f.Add(c.NewSID(NodeTag("node-a")))
	f.Add("")
	f.Add("AAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, sid string) {
		tag, err := c.Parse(sid)
		if err != nil {
			if !errors.Is(err, ErrBadSID) {
				t.Fatalf("Parse(%q): %v is not ErrBadSID", sid, err)
			}
			return
		}
		if len(sid) != SIDLen {
			t.Fatalf("accepted %q of length %d", sid, len(sid))
		}
		if again, err := c.Parse(c.NewSID(tag)); err != nil || again != tag {
			t.Fatalf("tag %v does not survive a fresh sid: %v, %v", tag, again, err)
		}
	})
}
