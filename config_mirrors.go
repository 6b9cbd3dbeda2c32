package main

import (
	"errors"
	"time"
)

// checkMirrors validates the mirror settings.
func (c *Config) checkMirrors() error {
	var errs []error
	if c.Mirrors != "on" && c.Mirrors != "off" {
		errs = append(errs, configErr("MIRRORS", "must be on or off, not %q", c.Mirrors))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"ECHO_WINDOW", c.EchoWindow}, {"RELEASE_GRACE", c.ReleaseGrace}, {"MIRROR_REPLY_TIMEOUT", c.ReplyTimeout}, {"ACK_TTL", c.AckTTL}, {"MIRROR_SETTLE", c.MirrorSettle}} {
		if d.v <= 0 {
			errs = append(errs, configErr(d.name, "must be a positive duration"))
		}
	}
	if c.CoalesceWindow < 0 {
		errs = append(errs, configErr("COALESCE_WINDOW", "must not be negative"))
	}
	return errors.Join(errs...)
}

// MirrorsOn reports whether mirror sessions are switched on.
func (c *Config) MirrorsOn() bool { return c.Mirrors != "off" }
