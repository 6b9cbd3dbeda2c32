package deploytest

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// promqlWords are PromQL's keywords and aggregation modifiers: identifiers
// in an expression that are not metric names.
var promqlWords = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true,
	"group_right": true, "bool": true, "and": true, "or": true, "unless": true,
	"offset": true, "atan2": true, "inf": true, "nan": true,
}

var (
	promqlString    = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
	promqlMatchers  = regexp.MustCompile(`\{[^{}]*\}`)
	promqlRange     = regexp.MustCompile(`\[[^\[\]]*\]`)
	promqlModifier  = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)`)
	promqlIdent     = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*`)
	grafanaVariable = regexp.MustCompile(`\$\{?[A-Za-z_][A-Za-z0-9_]*\}?`)
)

// metricNames returns the metric names an expression selects, in order of
// first appearance: identifiers that are not functions (followed by "("),
// keywords, label names inside {…} or modifiers, strings, durations or
// Grafana variables. It reports false when brackets do not balance, which a
// query Prometheus accepts never has.
func metricNames(expr string) ([]string, bool) {
	if !balanced(expr) {
		return nil, false
	}
	s := promqlString.ReplaceAllString(expr, `""`)
	s = grafanaVariable.ReplaceAllString(s, " ")
	s = promqlMatchers.ReplaceAllString(s, " ")
	s = promqlRange.ReplaceAllString(s, " ")
	s = promqlModifier.ReplaceAllString(s, " ")
	var names []string
	for _, loc := range promqlIdent.FindAllStringIndex(s, -1) {
		word := s[loc[0]:loc[1]]
		if promqlWords[strings.ToLower(word)] || startsWithDigitContext(s, loc[0]) {
			continue
		}
		if rest := strings.TrimLeft(s[loc[1]:], " \t\n"); strings.HasPrefix(rest, "(") {
			continue // a function
		}
		if !slices.Contains(names, word) {
			names = append(names, word)
		}
	}
	return names, true
}

// startsWithDigitContext reports an identifier glued to a number, such as
// the "e" of 1e3 or the unit of a duration outside brackets (offset 5m).
func startsWithDigitContext(s string, i int) bool {
	return i > 0 && s[i-1] >= '0' && s[i-1] <= '9'
}

func balanced(s string) bool {
	s = promqlString.ReplaceAllString(s, `""`)
	var stack []rune
	pairs := map[rune]rune{')': '(', ']': '[', '}': '{'}
	for _, r := range s {
		switch r {
		case '(', '[', '{':
			stack = append(stack, r)
		case ')', ']', '}':
			if len(stack) == 0 || stack[len(stack)-1] != pairs[r] {
				return false
			}
			stack = stack[:len(stack)-1]
		}
	}
	return len(stack) == 0
}

var metricNameCases = []struct {
	expr string
	want []string
	ok   bool
}{
	{`sum(socketio_connections_total{namespace=~"$namespace", pod=~"$pod"})`, []string{"socketio_connections_total"}, true},
	{`sum by (pod, transport) (sidecast_sessions{pod=~"$pod"})`, []string{"sidecast_sessions"}, true},
	{`sum by (direction) (rate(sidecast_frames_relayed_total{a="b"}[$__rate_interval]))`, []string{"sidecast_frames_relayed_total"}, true},
	{`histogram_quantile(0.99, sum by (le, operation) (rate(redis_operation_duration_seconds_bucket[5m])))`, []string{"redis_operation_duration_seconds_bucket"}, true},
	{`sum by (namespace, pod) (sidecast_peers{x="y"}) < on (namespace) group_left () (count by (namespace) (sidecast_peers) - 1)`, []string{"sidecast_peers"}, true},
	{`topk(10, sum by (event) (increase(sidecast_echo_suspects_total[1h])))`, []string{"sidecast_echo_suspects_total"}, true},
	{`label_values(sidecast_peers{namespace=~"$namespace"}, pod)`, []string{"sidecast_peers", "pod"}, true},
	{`a_total / b_total > 1e3 and c offset 5m`, []string{"a_total", "b_total", "c"}, true},
	{`{__name__="odd{name}"}`, nil, true},
	{`sum(rate(x[5m])`, nil, false},
	{`x{a="b"]`, nil, false},
}

func TestMetricNames(t *testing.T) {
	for _, tt := range metricNameCases {
		got, ok := metricNames(tt.expr)
		if ok != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("metricNames(%q) = %q, %v; want %q, %v", tt.expr, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzMetricNames(f *testing.F) {
	for _, tt := range metricNameCases {
		f.Add(tt.expr)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		names, ok := metricNames(expr)
		if !ok && names != nil {
			t.Fatalf("unbalanced %q still gave names %q", expr, names)
		}
		for _, n := range names {
			if !promqlIdent.MatchString(n) || !strings.Contains(expr, n) {
				t.Fatalf("name %q is not an identifier of %q", n, expr)
			}
		}
	})
}
