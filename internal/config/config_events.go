package config

import (
	"errors"
	"strings"
)

// EventMatch is one LOCAL_EVENTS entry: an event name, and optionally a
// top-level payload field that must equal Value for the entry to apply
// (new_message@from=system).
type EventMatch struct {
	Name  string
	Field string // empty: the name alone matches
	Value string
}

// String gives the entry back in LOCAL_EVENTS syntax.
func (m EventMatch) String() string {
	if m.Field == "" {
		return m.Name
	}
	return m.Name + "@" + m.Field + "=" + m.Value
}

// parseEventMatch parses one LOCAL_EVENTS entry.
func parseEventMatch(entry string) (EventMatch, error) {
	name, match, hasMatch := strings.Cut(entry, "@")
	if err := checkEventName("LOCAL_EVENTS", name); err != nil {
		return EventMatch{}, err
	}
	if !hasMatch {
		return EventMatch{Name: name}, nil
	}
	field, value, ok := strings.Cut(match, "=")
	switch {
	case !ok:
		return EventMatch{}, Errorf("LOCAL_EVENTS", "entry %q: expected name@field=value", entry)
	case field == "" || strings.ContainsAny(field, " \t@"):
		return EventMatch{}, Errorf("LOCAL_EVENTS", "entry %q: the field name is empty or has spaces", entry)
	case value == "":
		return EventMatch{}, Errorf("LOCAL_EVENTS", "entry %q: the value to match is empty", entry)
	}
	return EventMatch{Name: name, Field: field, Value: value}, nil
}

func checkEventName(variable, name string) error {
	if name == "" {
		return Errorf(variable, "an entry has an empty event name (stray comma?)")
	}
	if strings.ContainsAny(name, " \t@=") {
		return Errorf(variable, "event name %q has a space, '@' or '='", name)
	}
	return nil
}

// checkEvents trims and validates the event lists and parses LOCAL_EVENTS.
func (c *Config) checkEvents() error {
	var errs []error
	c.MirrorEvents = trimList(c.MirrorEvents)
	c.MirrorEventReply = trimList(c.MirrorEventReply)
	c.LocalEvents = trimList(c.LocalEvents)
	for _, name := range c.MirrorEvents {
		errs = append(errs, checkEventName("MIRROR_EVENTS", name))
	}
	for _, name := range c.MirrorEventReply {
		errs = append(errs, checkEventName("MIRROR_EVENT_REPLY", name))
	}
	c.LocalMatches = nil
	for _, entry := range c.LocalEvents {
		m, err := parseEventMatch(entry)
		errs = append(errs, err)
		if err == nil {
			c.LocalMatches = append(c.LocalMatches, m)
		}
	}
	if strings.TrimSpace(c.EventField) == "" {
		errs = append(errs, Errorf("EVENT_FIELD", "must name a JSON field"))
	}
	return errors.Join(errs...)
}

// trimList trims spaces around entries ("a, b" is a list of two), keeping
// empty entries so that a stray comma is reported.
func trimList(in []string) []string {
	for i := range in {
		in[i] = strings.TrimSpace(in[i])
	}
	return in
}
