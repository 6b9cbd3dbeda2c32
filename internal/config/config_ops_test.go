package config

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestOperationsConfig(t *testing.T) {
	tests := []struct {
		env  map[string]string
		bad  string // the variable named, "" when valid
		want func(*Config) bool
	}{
		{map[string]string{}, "", func(c *Config) bool { return c.MetricsPort == 9090 && c.DrainRate == 100 && c.AdminToken == "" }},
		{map[string]string{"METRICS_PORT": "0"}, "", func(c *Config) bool { return c.MetricsPort == 0 }},
		{map[string]string{"METRICS_PORT": "70000"}, "METRICS_PORT", nil},
		{map[string]string{"METRICS_PORT": "3000"}, "METRICS_PORT", nil},
		{map[string]string{"DRAIN_RATE": "0"}, "DRAIN_RATE", nil},
		{map[string]string{"DRAIN_RATE": "-3"}, "DRAIN_RATE", nil},
		{map[string]string{"DRAIN_RATE": "fast"}, "DRAIN_RATE", nil},
		{map[string]string{"ADMIN_TOKEN": "sixteen-bytes-ok", "DRAIN_RATE": "7"}, "", func(c *Config) bool { return c.AdminToken == "sixteen-bytes-ok" && c.DrainRate == 7 }},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.env), func(t *testing.T) {
			cfg, err := Load(tt.env)
			if tt.bad != "" {
				if err == nil || !strings.Contains(err.Error(), tt.bad) || !errors.Is(err, ErrBadConfig) {
					t.Fatalf("err = %v, want one naming %s", err, tt.bad)
				}
				return
			}
			if err != nil || !tt.want(cfg) {
				t.Fatalf("cfg %+v, err %v", cfg, err)
			}
		})
	}
}

// FuzzRawURLPassword: the raw password found in a URL unescapes to the
// password url.Parse reads, so redaction covers the form written in
// REDIS_URL.
func FuzzRawURLPassword(f *testing.F) {
	for _, s := range []string{"redis://u:p%40w@h:1/0", "redis://:pw@h", "rediss://h:6379", "redis://u@h", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := rawURLPassword(raw)
		u, err := url.Parse(raw)
		if err != nil || u.User == nil || u.Opaque != "" {
			return
		}
		pw, ok := u.User.Password()
		if !ok || !strings.HasPrefix(raw, u.Scheme+"://") {
			return
		}
		if un, err := url.PathUnescape(got); err != nil || un != pw {
			t.Fatalf("rawURLPassword(%q) = %q, url.Parse reads %q", raw, got, pw)
		}
	})
}
