package deploytest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// directive is one nginx directive: its name, arguments and, for a block
// directive (`upstream x { … }`), the directives inside.
type directive struct {
	Name  string
	Args  []string
	Block []directive
}

// parseNginx reads nginx's configuration syntax: words and quoted strings,
// `#` comments, directives ended by `;` or by a `{ … }` block.
func parseNginx(src string) ([]directive, error) {
	toks, err := nginxTokens(src)
	if err != nil {
		return nil, err
	}
	dirs, rest, err := nginxBlock(toks, 0)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, errors.New("unexpected }")
	}
	return dirs, nil
}

// nginxTokens splits src into words and the punctuation `{`, `}`, `;`.
// Quoted strings become one word without their quotes.
func nginxTokens(src string) ([]string, error) {
	var toks []string
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '{' || c == '}' || c == ';':
			toks = append(toks, string(c))
			i++
		case c == '"' || c == '\'':
			end := i + 1
			for end < len(src) && src[end] != c {
				if src[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(src) {
				return nil, fmt.Errorf("unclosed quote at offset %d", i)
			}
			toks = append(toks, src[i+1:end])
			i = end + 1
		default:
			start := i
			for i < len(src) && !strings.ContainsRune(" \t\r\n{};#\"'", rune(src[i])) {
				i++
			}
			toks = append(toks, src[start:i])
		}
	}
	return toks, nil
}

// nginxBlock reads directives until a closing `}` (returned in rest) or the
// end of the tokens.
func nginxBlock(toks []string, depth int) (dirs []directive, rest []string, err error) {
	if depth > 32 {
		return nil, nil, errors.New("blocks nested too deep")
	}
	var words []string
	for len(toks) > 0 {
		tok := toks[0]
		toks = toks[1:]
		switch tok {
		case ";", "{":
			if len(words) == 0 {
				return nil, nil, fmt.Errorf("%q without a directive", tok)
			}
			d := directive{Name: words[0], Args: words[1:]}
			words = nil
			if tok == "{" {
				if d.Block, toks, err = nginxBlock(toks, depth+1); err != nil {
					return nil, nil, err
				}
				if len(toks) == 0 || toks[0] != "}" {
					return nil, nil, fmt.Errorf("block %s is not closed", d.Name)
				}
				toks = toks[1:]
			}
			dirs = append(dirs, d)
		case "}":
			if len(words) != 0 {
				return nil, nil, fmt.Errorf("directive %s lacks its ;", words[0])
			}
			return dirs, append([]string{"}"}, toks...), nil
		default:
			words = append(words, tok)
		}
	}
	if len(words) != 0 {
		return nil, nil, fmt.Errorf("directive %s lacks its ;", words[0])
	}
	return dirs, nil, nil
}

// walkNginx calls fn for every directive, depth first, with its parent's
// name ("" at the top).
func walkNginx(dirs []directive, parent string, fn func(parent string, d directive)) {
	for _, d := range dirs {
		fn(parent, d)
		walkNginx(d.Block, d.Name, fn)
	}
}

// nginxFacts are the parts of a configuration the tests check.
type nginxFacts struct {
	upstreams  map[string][]string // upstream name → server addresses
	proxyPass  []string            // proxy_pass arguments
	listen     []string            // listen arguments' first word
	sticky     []string            // balancing methods that pin a client to a node
	headers    map[string]string   // proxy_set_header name → value
	directives map[string]string   // other directives inside location, by name
}

func nginxFactsOf(dirs []directive) nginxFacts {
	f := nginxFacts{upstreams: map[string][]string{}, headers: map[string]string{}, directives: map[string]string{}}
	walkNginx(dirs, "", func(parent string, d directive) {
		switch {
		case d.Name == "upstream" && len(d.Args) == 1:
			f.upstreams[d.Args[0]] = []string{}
			for _, s := range d.Block {
				if s.Name == "server" && len(s.Args) > 0 {
					f.upstreams[d.Args[0]] = append(f.upstreams[d.Args[0]], s.Args[0])
				}
			}
		case parent == "upstream" && (d.Name == "ip_hash" || d.Name == "hash" || d.Name == "sticky"):
			f.sticky = append(f.sticky, d.Name)
		case d.Name == "proxy_pass" && len(d.Args) == 1:
			f.proxyPass = append(f.proxyPass, d.Args[0])
		case d.Name == "listen" && len(d.Args) > 0:
			f.listen = append(f.listen, d.Args[0])
		case d.Name == "proxy_set_header" && len(d.Args) == 2:
			f.headers[d.Args[0]] = d.Args[1]
		case parent == "location":
			f.directives[d.Name] = strings.Join(d.Args, " ")
		}
	})
	return f
}

// loadNginxFacts parses the example configuration.
func loadNginxFacts(t *testing.T) nginxFacts {
	t.Helper()
	dirs, err := parseNginx(readRepoFile(t, "examples/nginx/nginx.conf"))
	if err != nil {
		t.Fatalf("parse examples/nginx/nginx.conf: %v", err)
	}
	return nginxFactsOf(dirs)
}

func TestNginxConfReader(t *testing.T) {
	dirs, err := parseNginx(`
# ip_hash in a comment does not count
upstream a { ip_hash; server x:1 weight=2; server "y:2"; }
upstream b {
    server z:3;  # trailing comment
    keepalive 8;
}
server { listen 80 default_server; location / { proxy_pass http://a; proxy_set_header Connection ''; proxy_buffering off; } }
`)
	if err != nil {
		t.Fatal(err)
	}
	f := nginxFactsOf(dirs)
	checks := []struct {
		name      string
		got, want string
	}{
		{"upstreams", fmt.Sprint(f.upstreams), "map[a:[x:1 y:2] b:[z:3]]"},
		{"sticky", fmt.Sprint(f.sticky), "[ip_hash]"},
		{"proxy_pass", fmt.Sprint(f.proxyPass), "[http://a]"},
		{"listen", fmt.Sprint(f.listen), "[80]"},
		{"empty header", fmt.Sprintf("%q", f.headers["Connection"]), `""`},
		{"location directive", f.directives["proxy_buffering"], "off"},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %s, want %s", c.got, c.want)
			}
		})
	}
	for _, bad := range []string{"a {", "a }", "a b", "{ a; }", `a "x;`, "a { b }"} {
		if _, err := parseNginx(bad); err == nil {
			t.Errorf("parseNginx(%q) accepted invalid syntax", bad)
		}
	}
}

// formatNginx writes directives back in nginx syntax, every word quoted.
// ok is false when a word holds a quote, which this writer cannot escape.
func formatNginx(dirs []directive, b *strings.Builder) (ok bool) {
	for _, d := range dirs {
		for i, w := range append([]string{d.Name}, d.Args...) {
			if strings.ContainsAny(w, `"'\`) {
				return false
			}
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(`"` + w + `"`)
		}
		if d.Block == nil {
			b.WriteString(";\n")
			continue
		}
		b.WriteString(" {\n")
		if !formatNginx(d.Block, b) {
			return false
		}
		b.WriteString("}\n")
	}
	return true
}

// FuzzParseNginx checks that whatever parses survives a round trip through
// formatNginx unchanged.
func FuzzParseNginx(f *testing.F) {
	f.Add("events {}\nhttp { upstream u { server a:1; } }\n")
	f.Fuzz(func(t *testing.T, src string) {
		dirs, err := parseNginx(src)
		if err != nil {
			return
		}
		var b strings.Builder
		if !formatNginx(dirs, &b) {
			return
		}
		again, err := parseNginx(b.String())
		if err != nil {
			t.Fatalf("reparse of %q: %v", b.String(), err)
		}
		if fmt.Sprintf("%q", again) != fmt.Sprintf("%q", dirs) {
			t.Errorf("round trip changed\n%q\ninto\n%q", dirs, again)
		}
	})
}

// TestNginxConfSettings checks the proxy settings that the live test cannot
// tell apart on loopback: the reference guide's timeouts for long-lived
// connections, and no response buffering (long-polling answers must not
// wait in nginx).
func TestNginxConfSettings(t *testing.T) {
	f := loadNginxFacts(t)
	want := map[string]string{
		"proxy_http_version":    "1.1",
		"proxy_read_timeout":    "3600s",
		"proxy_send_timeout":    "3600s",
		"proxy_connect_timeout": "60s",
		"proxy_buffering":       "off",
		"proxy_cache":           "off",
	}
	for name, v := range want {
		t.Run(name, func(t *testing.T) {
			if got := f.directives[name]; got != v {
				t.Errorf("location %s %q, want %q", name, got, v)
			}
		})
	}
	for _, h := range []string{"Upgrade", "Connection", "Host", "X-Real-IP", "X-Forwarded-For", "X-Forwarded-Proto"} {
		if _, ok := f.headers[h]; !ok {
			t.Errorf("no proxy_set_header %s", h)
		}
	}
}
