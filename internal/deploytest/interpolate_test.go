package deploytest

import (
	"fmt"
	"strings"
	"testing"
)

// interpolate applies compose's variable substitution to a compose file's
// text: $$ is a literal $, ${VAR} and $VAR take the variable, ${VAR:-d}
// takes d when VAR is unset or empty, ${VAR-d} when unset, ${VAR:?msg} and
// ${VAR?msg} are errors when unset (or empty, with the colon).
func interpolate(src string, lookup func(string) (string, bool)) (string, error) {
	var b strings.Builder
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c != '$' || i+1 == len(src) {
			b.WriteByte(c)
			continue
		}
		next := src[i+1]
		switch {
		case next == '$':
			b.WriteByte('$')
			i++
		case next == '{':
			end := strings.IndexByte(src[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("unclosed ${ at offset %d", i)
			}
			val, err := expandBraced(src[i+2:i+end], lookup)
			if err != nil {
				return "", err
			}
			b.WriteString(val)
			i += end
		case isNameByte(next, true):
			j := i + 1
			for j < len(src) && isNameByte(src[j], false) {
				j++
			}
			val, _ := lookup(src[i+1 : j])
			b.WriteString(val)
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// expandBraced resolves the inside of ${...}.
func expandBraced(expr string, lookup func(string) (string, bool)) (string, error) {
	name := expr
	op, arg := "", ""
	for _, candidate := range []string{":-", ":?", "-", "?"} {
		if k := strings.Index(expr, candidate); k > 0 && (op == "" || k < len(name)) {
			name, op, arg = expr[:k], candidate, expr[k+len(candidate):]
		}
	}
	for k := 0; k < len(name); k++ {
		if !isNameByte(name[k], k == 0) {
			return "", fmt.Errorf("bad variable name %q", name)
		}
	}
	val, set := lookup(name)
	switch op {
	case ":-":
		if val == "" {
			return arg, nil
		}
	case "-":
		if !set {
			return arg, nil
		}
	case ":?", "?":
		if !set || (op == ":?" && val == "") {
			return "", fmt.Errorf("required variable %s is missing: %s", name, arg)
		}
	}
	return val, nil
}

func isNameByte(c byte, first bool) bool {
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (!first && c >= '0' && c <= '9')
}

// noEnv is an empty environment: compose files are checked with their own
// defaults, whatever the machine running the test has set.
func noEnv(string) (string, bool) { return "", false }

func TestInterpolate(t *testing.T) {
	env := map[string]string{"SET": "v", "EMPTY": ""}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct {
		in, want string
		fails    bool
	}{
		{in: "plain text", want: "plain text"},
		{in: "$$REDIS_PASSWORD", want: "$REDIS_PASSWORD"},
		{in: "a ${SET} b", want: "a v b"},
		{in: "$SET/x", want: "v/x"},
		{in: "${UNSET}", want: ""},
		{in: "${UNSET:-d}", want: "d"},
		{in: "${EMPTY:-d}", want: "d"},
		{in: "${EMPTY-d}", want: ""},
		{in: "${UNSET-d}", want: "d"},
		{in: "${SET:-d}", want: "v"},
		{in: "${UNSET:-a-b}", want: "a-b"},
		{in: "${UNSET:?needed}", fails: true},
		{in: "${EMPTY:?needed}", fails: true},
		{in: "${EMPTY?needed}", want: ""},
		{in: "${UNSET", fails: true},
		{in: "${1BAD}", fails: true},
		{in: "cost: 5$", want: "cost: 5$"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := interpolate(tt.in, lookup)
			if tt.fails {
				if err == nil {
					t.Fatalf("interpolate(%q) = %q, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("interpolate(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func FuzzInterpolate(f *testing.F) {
	for _, s := range []string{"${A:-b}", "$$x", "$A", "${", "no dollars"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := interpolate(s, func(k string) (string, bool) { return "<" + k + ">", true })
		if err != nil {
			return
		}
		if !strings.Contains(s, "$") && got != s {
			t.Errorf("text without $ changed: %q -> %q", s, got)
		}
	})
}
