package config

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// A variable that is almost one of sidecast's names is most likely a typo
// that silently leaves the setting at its default. The rules below decide
// "almost" on a canonical form of the name — upper case, without
// underscores, with common synonyms of each word replaced — and are kept
// tight on purpose: a pod's environment is full of variables that are not
// sidecast's (Kubernetes service links, the downward API, the image's),
// and a warning about those would teach people to ignore warnings.

// minLookalike is the shortest canonical name compared by edit distance:
// shorter ones (PATH, HOME, PWD) are one typo away from too much.
const minLookalike = 5

// longName is the canonical length past which two edits still count as
// close (HEARTBEAT_INTERVALL, REDIS_ADAPTOR_KEY); shorter names allow one.
const longName = 8

// maxValueDistance bounds how far a value (PROTOCOL's) may be from a valid
// one to be suggested.
const maxValueDistance = 3

// wordSynonyms replace a word of a name before the comparison, so that
// REDIS_URI finds REDIS_URL and SERVER_HOST finds SERVER_ADDR. Known names
// are put through the same map, which is why REDIS_HOST is found by
// REDIS_ADDR.
var wordSynonyms = map[string]string{
	"URI": "URL", "ADDRESS": "ADDR", "HOST": "ADDR", "HOSTNAME": "ADDR", "IP": "ADDR", "BIND": "ADDR",
	"PASS": "PASSWORD", "PASSWD": "PASSWORD", "PWD": "PASSWORD", "USER": "USERNAME",
	"EVENT": "EVENTS", "METRIC": "METRICS", "SECRETS": "SECRET", "PROTO": "PROTOCOL",
	"TOKENS": "TOKEN", "CONNS": "CONNECTIONS", "CONNECTION": "CONNECTIONS",
}

// nameAliases are whole names that people carry over from other tools and
// that no word rule maps onto sidecast's.
var nameAliases = map[string]string{
	"REDIS_PREFIX": "REDIS_ADAPTER_KEY", "REDIS_KEY_PREFIX": "REDIS_ADAPTER_KEY", "REDIS_KEY": "REDIS_ADAPTER_KEY",
	"REDIS_DB": "REDIS_URL", "REDIS_DATABASE": "REDIS_URL", "REDIS_TIMEOUT": "REDIS_REQUESTS_TIMEOUT",
	"BACKEND": "BACKEND_URL", "BACKEND_ADDR": "BACKEND_URL", "BACKEND_HOST": "BACKEND_URL", "UPSTREAM_URL": "BACKEND_URL",
	"LISTEN_PORT": "SERVER_PORT", "LISTEN_ADDR": "SERVER_ADDR",
}

// ourPrefix is a prefix people add to a tool's variables; sidecast's have none.
const ourPrefix = "SIDECAST_"

// notOurs matches names a pod's environment holds that merely share words
// with sidecast's: Kubernetes' own and the service links it injects for
// every service (NAME_SERVICE_HOST, NAME_PORT_6379_TCP_ADDR, …).
var notOurs = regexp.MustCompile(`^KUBERNETES_|_SERVICE_(HOST|PORT)(_|$)|_PORT_[0-9]+_(TCP|UDP|SCTP)(_|$)`)

// serviceLinkValue is the value of a service link's NAME_PORT variable.
var serviceLinkValue = regexp.MustCompile(`^(tcp|udp|sctp)://`)

// serviceLinkHint explains a NAME_PORT=tcp://ip:port value: Kubernetes
// sets one for every Service of the namespace, so a Service named redis
// sets REDIS_PORT.
func serviceLinkHint(name, value string) string {
	service, ok := strings.CutSuffix(name, "_PORT")
	if !ok || !serviceLinkValue.MatchString(value) {
		return ""
	}
	return fmt.Sprintf(" (Kubernetes set it as the service link of a Service named %s: set enableServiceLinks: false in the pod spec)",
		strings.ReplaceAll(strings.ToLower(service), "_", "-"))
}

// knownNames maps every variable's canonical form to its name.
var knownNames = sync.OnceValue(func() map[string]string {
	m := make(map[string]string)
	for _, s := range Settings() {
		m[canonical(s.Name)] = s.Name
	}
	return m
})

// canonical is the form names are compared in.
func canonical(name string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(strings.ToUpper(name), func(r rune) bool { return r == '_' || r == '-' || r == '.' }) {
		if syn, ok := wordSynonyms[w]; ok {
			w = syn
		}
		b.WriteString(w)
	}
	return b.String()
}

// lookalike returns the variable that name, set to value, was probably
// meant to be, when name is not one of sidecast's but looks like one; ok
// is false for sidecast's own names and for names that are someone
// else's.
func lookalike(name, value string) (meant string, ok bool) {
	known := knownNames()
	if known[canonical(name)] == name || someoneElses(name, value) {
		return "", false
	}
	upper := strings.ToUpper(name)
	if alias, ok := nameAliases[upper]; ok {
		return alias, true
	}
	c := canonical(strings.TrimPrefix(upper, ourPrefix))
	if k, ok := known[c]; ok {
		return k, true
	}
	if len(c) < minLookalike {
		return "", false
	}
	limit := 1
	if len(c) > longName {
		limit = 2
	}
	candidates := make([]string, 0, len(known))
	for kc := range known {
		candidates = append(candidates, kc)
	}
	if near, ok := nearest(c, candidates, limit); ok {
		return known[near], true
	}
	return "", false
}

// someoneElses reports a variable Kubernetes sets: its own, or a service
// link (by name, or by a NAME_PORT=tcp://ip:port value).
func someoneElses(name, value string) bool {
	return notOurs.MatchString(strings.ToUpper(name)) || serviceLinkValue.MatchString(value)
}

// lookalikeWarnings lists a warning for each variable of environ that
// looks like one of sidecast's but is not, and for each other SIDECAST_
// name, which cannot be anyone else's.
func lookalikeWarnings(environ map[string]string) []Warning {
	var out []Warning
	for name, value := range environ {
		if meant, ok := lookalike(name, value); ok {
			out = append(out, Warning{Var: name, Message: fmt.Sprintf("%s is not a sidecast variable (names are exact, without prefix); did you mean %s?", name, meant)})
		} else if strings.HasPrefix(strings.ToUpper(name), ourPrefix) && !someoneElses(name, value) {
			out = append(out, Warning{Var: name, Message: name + " is not a sidecast variable; sidecast --help lists them"})
		}
	}
	sortWarnings(out)
	return out
}

// nearest returns the candidate closest to s by edit distance, at most
// limit edits away; among equally close ones the smallest, so the answer
// never depends on a map's order.
func nearest(s string, candidates []string, limit int) (string, bool) {
	best, bestD := "", limit+1
	for _, c := range candidates {
		d := editDistance(s, c, limit)
		if d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	return best, bestD <= limit
}

// editDistance is the optimal string alignment distance between a and b
// (insertions, deletions, substitutions and swaps of neighbours, one edit
// each), or limit+1 when it is more than limit.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], limit+1)
}
