package config

import (
	"errors"
	"time"
)

// checkMirrors validates the mirror settings.
func (c *Config) checkMirrors() error {
	var errs []error
	if c.Mirrors != "on" && c.Mirrors != "off" {
		errs = append(errs, Errorf("MIRRORS", "must be on or off, not %q", c.Mirrors))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"ECHO_WINDOW", c.EchoWindow}, {"RELEASE_GRACE", c.ReleaseGrace}, {"MIRROR_REPLY_TIMEOUT", c.ReplyTimeout}, {"ACK_TTL", c.AckTTL}, {"MIRROR_SETTLE", c.MirrorSettle}, {"BACKEND_RETRY_INTERVAL", c.BackendRetry}} {
		if d.v <= 0 {
			errs = append(errs, Errorf(d.name, "must be a positive duration"))
		}
	}
	if c.CoalesceWindow < 0 {
		errs = append(errs, Errorf("COALESCE_WINDOW", "must not be negative"))
	}
	return errors.Join(errs...)
}

// MirrorsOn reports whether mirror sessions are switched on.
func (c *Config) MirrorsOn() bool { return c.Mirrors != "off" }

// FanoutCoalesceWindow is COALESCE_WINDOW as fanout.ClusterConfig reads it:
// there 0 means the default, so COALESCE_WINDOW=0 (off) becomes -1.
func (c *Config) FanoutCoalesceWindow() time.Duration {
	if c.CoalesceWindow == 0 {
		return -1
	}
	return c.CoalesceWindow
}
