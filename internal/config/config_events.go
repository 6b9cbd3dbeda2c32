package config

import (
	"errors"
	"strings"

	"github.com/sidecast/sidecast/internal/eventlist"
)

// EventMatch is one LOCAL_EVENTS entry: an event name, and optionally a
// top-level payload field that must equal Value for the entry to apply
// (new_message@from=system).
type EventMatch = eventlist.Entry

// checkEvents parses the event lists (syntax: package eventlist).
func (c *Config) checkEvents() error {
	var errs []error
	var err error
	c.MirrorEvents, err = eventNames("MIRROR_EVENTS", c.MirrorEventList)
	errs = append(errs, err)
	c.MirrorEventReply, err = eventNames("MIRROR_EVENT_REPLY", c.MirrorReplyList)
	errs = append(errs, err)
	if c.LocalMatches, err = eventlist.Parse(c.LocalEventList, true); err != nil {
		errs = append(errs, Errorf("LOCAL_EVENTS", "%v", err))
	}
	if strings.TrimSpace(c.EventField) == "" {
		errs = append(errs, Errorf("EVENT_FIELD", "must name a JSON field"))
	}
	return errors.Join(errs...)
}

// eventNames parses a list of bare event names.
func eventNames(variable, list string) ([]string, error) {
	entries, err := eventlist.Parse(list, false)
	if err != nil {
		return nil, Errorf(variable, "%v", err)
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name
	}
	return names, nil
}

// trimList trims spaces around entries ("a, b" is a list of two), keeping
// empty entries so that a stray comma is reported.
func trimList(in []string) []string {
	for i := range in {
		in[i] = strings.TrimSpace(in[i])
	}
	return in
}
