package config

import (
	"net/url"
	"strings"
)

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
