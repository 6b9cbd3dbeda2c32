package eventlist

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Entry is one list entry: an event name and, when Field is set, a payload
// match (the event's first argument, or a websocket message, has Field equal
// to Value).
type Entry struct {
	Name, Field, Value string
}

// Errors callers may branch on; every error Parse returns wraps one.
var (
	// ErrSyntax: the text is not a list of entries (an unclosed quote, a
	// stray character after a quoted part, a match without '=').
	ErrSyntax = errors.New("syntax error")
	// ErrEmpty: an entry, a field or a value is empty (a stray comma).
	ErrEmpty = errors.New("empty part")
	// ErrMatch: an entry has a payload match where only names are allowed.
	ErrMatch = errors.New("payload match not allowed here")
)

// Parse reads a list. With matches false (MIRROR_EVENTS, MIRROR_EVENT_REPLY)
// an unquoted '@' is refused rather than read as a match. Empty or
// all-blank text is the empty list.
func Parse(s string, matches bool) ([]Entry, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	if !utf8.ValidString(s) {
		// Event names are text to every Socket.IO and JSON server.
		return nil, fmt.Errorf("%w: not valid UTF-8", ErrSyntax)
	}
	p := parser{s: s}
	var out []Entry
	for {
		start := p.i
		e, err := p.entry(matches)
		if err != nil {
			if raw := entryText(s, start); raw != "" {
				return nil, fmt.Errorf("entry %q: %w", raw, err)
			}
			return nil, fmt.Errorf("entry %d: %w", len(out)+1, err)
		}
		out = append(out, e)
		if p.i == len(p.s) {
			return out, nil
		}
		p.i++ // the comma
	}
}

type parser struct {
	s string
	i int
}

func (p *parser) entry(matches bool) (Entry, error) {
	var e Entry
	var err error
	if e.Name, err = p.part(",@", "event name"); err != nil {
		return e, err
	}
	if p.i == len(p.s) || p.s[p.i] == ',' {
		return e, nil
	}
	// p.s[p.i] == '@'
	if !matches {
		return e, fmt.Errorf("%w: %q has '@' (quote a name that holds one: %s)", ErrMatch, p.s[:p.i], Quote(strings.TrimSpace(p.s[:p.i])+"@…"))
	}
	p.i++
	if e.Field, err = p.part(",=", "payload field"); err != nil {
		return e, err
	}
	if p.i == len(p.s) || p.s[p.i] != '=' {
		return e, fmt.Errorf("%w: expected name@field=value", ErrSyntax)
	}
	p.i++
	if e.Value, err = p.part(",", "value to match"); err != nil {
		return e, err
	}
	return e, nil
}

// part reads one name, field or value, up to (not past) one of stops or the
// end: a JSON string, or bare text trimmed of spaces.
func (p *parser) part(stops, what string) (string, error) {
	for p.i < len(p.s) && isSpace(p.s[p.i]) {
		p.i++
	}
	if p.i < len(p.s) && p.s[p.i] == '"' {
		return p.quoted(stops, what)
	}
	start := p.i
	for p.i < len(p.s) && strings.IndexByte(stops, p.s[p.i]) < 0 {
		p.i++
	}
	v := strings.TrimSpace(p.s[start:p.i])
	if v == "" && what == "event name" {
		return "", fmt.Errorf("%w: the event name is empty (stray comma?)", ErrEmpty)
	}
	if v == "" {
		return "", fmt.Errorf("%w: the %s is empty", ErrEmpty, what)
	}
	if strings.IndexByte(v, '"') >= 0 {
		return "", fmt.Errorf("%w: %s %q has a double quote: quote the whole %s (%s)", ErrSyntax, what, v, what, Quote(v))
	}
	return v, nil
}

// quoted reads a JSON string at p.i, then spaces, and expects one of stops
// or the end.
func (p *parser) quoted(stops, what string) (string, error) {
	start := p.i
	p.i = closingQuote(p.s, p.i+1)
	if p.i >= len(p.s) {
		return "", fmt.Errorf("%w: the quoted %s %s is not closed", ErrSyntax, what, p.s[start:])
	}
	p.i++
	var v string
	if err := json.Unmarshal([]byte(p.s[start:p.i]), &v); err != nil {
		return "", fmt.Errorf("%w: the quoted %s %s is not a JSON string: %w", ErrSyntax, what, p.s[start:p.i], err)
	}
	for p.i < len(p.s) && isSpace(p.s[p.i]) {
		p.i++
	}
	if p.i < len(p.s) && strings.IndexByte(stops, p.s[p.i]) < 0 {
		return "", fmt.Errorf("%w: %q after the quoted %s %s", ErrSyntax, p.s[p.i:], what, p.s[start:p.i])
	}
	if v == "" {
		return "", fmt.Errorf("%w: the %s is empty", ErrEmpty, what)
	}
	return v, nil
}

// entryText is the text of the entry that starts at s[i], up to the next
// comma outside quotes, trimmed: what an error message quotes.
func entryText(s string, i int) string {
	j := i
	for j < len(s) && s[j] != ',' {
		if s[j] == '"' {
			j = closingQuote(s, j+1)
		}
		j++
	}
	return strings.TrimSpace(s[i:min(j, len(s))])
}

// closingQuote is the index of the '"' that ends a JSON string whose
// content starts at i, or len(s) when there is none.
func closingQuote(s string, i int) int {
	for i < len(s) && s[i] != '"' {
		if s[i] == '\\' {
			i++
		}
		i++
	}
	return min(i, len(s))
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// Quote writes s as one part of an entry: as it is when that reads back the
// same in any position, else as a JSON string.
func Quote(s string) string {
	if s != "" && s == strings.TrimSpace(s) && !strings.ContainsAny(s, `,@="`) {
		return s
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// String writes e in the list syntax; Parse reads it back as e.
func (e Entry) String() string {
	if e.Field == "" {
		return Quote(e.Name)
	}
	return Quote(e.Name) + "@" + Quote(e.Field) + "=" + Quote(e.Value)
}

// Format writes entries as one list.
func Format(entries []Entry) string {
	parts := make([]string, len(entries))
	for i, e := range entries {
		parts[i] = e.String()
	}
	return strings.Join(parts, ",")
}
