package config

import (
	"errors"
	"net/url"
	"strings"
)

// MinSecretBytes is the shortest ADMIN_TOKEN or CLUSTER_SECRET accepted: a
// shorter one is guessable, and a log redactor that hides it would hide
// common words along with it.
const MinSecretBytes = 16

// checkSecrets refuses a set ADMIN_TOKEN or CLUSTER_SECRET shorter than
// MinSecretBytes; the error gives the length, never the value.
func (c *Config) checkSecrets() error {
	var errs []error
	for _, s := range []struct{ name, value string }{{"ADMIN_TOKEN", c.AdminToken}, {"CLUSTER_SECRET", c.ClusterSecret}} {
		if s.value != "" && len(s.value) < MinSecretBytes {
			errs = append(errs, Errorf(s.name, "is %d bytes, shorter than %d; use a random one, e.g. openssl rand -hex 16", len(s.value), MinSecretBytes))
		}
	}
	return errors.Join(errs...)
}

// Secrets lists the configured secret values (REDIS_PASSWORD, the password
// inside REDIS_URL, raw and decoded, ADMIN_TOKEN, CLUSTER_SECRET) that no
// log line and no admin answer may show.
func (c *Config) Secrets() []string {
	var out []string
	add := func(s string) {
		if s != "" {
			out = append(out, s)
		}
	}
	add(c.RedisPassword)
	add(c.AdminToken)
	add(c.ClusterSecret)
	add(c.Redis.Password)
	if u, err := url.Parse(c.RedisURL); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			add(pw)
			add(url.UserPassword("", pw).String()[1:]) // escaped the canonical way
		}
	}
	add(rawURLPassword(c.RedisURL)) // escaped the way it was written
	return out
}

// rawURLPassword is the password of scheme://user:password@host/... as
// written, before any unescaping; "" when there is none.
func rawURLPassword(raw string) string {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	at := strings.LastIndexByte(rest, '@')
	if at < 0 {
		return ""
	}
	_, pw, ok := strings.Cut(rest[:at], ":")
	if !ok {
		return ""
	}
	return pw
}
