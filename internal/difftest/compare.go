package difftest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Problem is one difference between the oracle and a cluster run.
type Problem struct {
	Client string
	Kind   string // missing, duplicated, leaked, order
	Detail string
}

func (p Problem) String() string { return p.Client + ": " + p.Kind + " " + p.Detail }

// Compare returns every difference between the oracle's streams and the
// cluster's: per client, items the oracle saw that the cluster did not
// (missing), extra copies of items the oracle saw (duplicated), items the
// oracle never showed that client (leaked), and — when the multisets
// agree — any sender whose items arrived in another order. senders are
// the users whose actions the scenario scripts; items without one (a
// backend's own replies, broadcasts an HTTP request caused) carry no
// sender order: requests to different backends race in one node too.
func Compare(oracle, cluster Streams, senders map[string]bool) []Problem {
	var out []Problem
	for _, name := range clientNames(oracle, cluster) {
		o, c := oracle[name], cluster[name]
		ps := compareMultiset(name, o, c)
		if len(ps) == 0 {
			ps = compareOrder(name, o, c, senders)
		}
		out = append(out, ps...)
	}
	return out
}

func clientNames(a, b Streams) []string {
	var names []string
	for n := range a {
		names = append(names, n)
	}
	for n := range b {
		if _, ok := a[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func countKeys(items []Item) map[string]int {
	m := make(map[string]int, len(items))
	for _, it := range items {
		m[it.Key()]++
	}
	return m
}

func compareMultiset(name string, o, c []Item) []Problem {
	oc, cc := countKeys(o), countKeys(c)
	var out []Problem
	for _, k := range sortedKeys(oc) {
		if d := oc[k] - cc[k]; d > 0 {
			out = append(out, Problem{name, "missing", fmt.Sprintf("%d× %s", d, k)})
		}
	}
	for _, k := range sortedKeys(cc) {
		d := cc[k] - oc[k]
		switch {
		case d <= 0:
		case oc[k] > 0:
			out = append(out, Problem{name, "duplicated", fmt.Sprintf("%d× %s", d, k)})
		default:
			out = append(out, Problem{name, "leaked", fmt.Sprintf("%d× %s", d, k)})
		}
	}
	return out
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// compareOrder checks, for every sender, that its items reached the client
// in the oracle's order. Items of different senders may interleave
// differently: that is timing, not a difference in behaviour.
func compareOrder(name string, o, c []Item, senders map[string]bool) []Problem {
	og, cg := byOrigin(o), byOrigin(c)
	var out []Problem
	for _, origin := range sortedKeys(lens(og)) {
		if !senders[origin] || slices.Equal(og[origin], cg[origin]) {
			continue
		}
		i := firstDiff(og[origin], cg[origin])
		out = append(out, Problem{name, "order", fmt.Sprintf("of %s's items differs at #%d: oracle %s, cluster %s",
			origin, i, at(og[origin], i), at(cg[origin], i))})
	}
	return out
}

func byOrigin(items []Item) map[string][]string {
	m := map[string][]string{}
	for _, it := range items {
		m[it.Origin] = append(m[it.Origin], it.Key())
	}
	return m
}

func lens(m map[string][]string) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = len(v)
	}
	return out
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "(end)"
}

// Summary is the problems as lines, at most limit of them plus a count of
// the rest.
func Summary(ps []Problem, limit int) string {
	var b strings.Builder
	for i, p := range ps {
		if i == limit {
			fmt.Fprintf(&b, "… and %d more\n", len(ps)-limit)
			break
		}
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	return b.String()
}
