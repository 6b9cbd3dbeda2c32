package config

import (
	"errors"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
	"github.com/sidecast/sidecast/fanout"
)

// BusChoice is which bus the node runs on (docs/design.md, Interface decisions: which bus) and why.
type BusChoice struct {
	Redis bool   // false: the in-memory bus, single node
	Why   string // for the start-up log line
}

// redisConfig maps the REDIS_* variables onto fanout.RedisConfig, which
// owns the merge rules (REDIS_URL wins, REDIS_USERNAME/PASSWORD fill,
// rediss:// or REDIS_TLS turn TLS on).
func (c *Config) redisConfig() fanout.RedisConfig {
	reject := c.RedisTLSRejectUnauthorized
	return fanout.RedisConfig{
		URL:                   c.RedisURL,
		Host:                  c.RedisHost,
		Port:                  c.RedisPort,
		Username:              c.RedisUsername,
		Password:              c.RedisPassword,
		TLS:                   c.RedisTLS,
		TLSCertFile:           c.RedisTLSCert,
		TLSKeyFile:            c.RedisTLSKey,
		TLSCAFile:             c.RedisTLSCA,
		TLSRejectUnauthorized: &reject,
		KeyPrefix:             c.RedisAdapterKey,
		RequestTimeout:        c.RequestsTimeout(),
		Cluster:               c.RedisCluster,
		ClusterNodes:          trimList(c.RedisClusterNodes),
	}
}

// resolveRedis chooses the bus and, when it is Redis, checks every REDIS_*
// value now — certificate files included — so that a mistake stops
// start-up instead of failing on each reconnect.
func (c *Config) resolveRedis() error {
	var errs []error
	if c.RedisRequestsTimeoutMS <= 0 {
		errs = append(errs, Errorf("REDIS_REQUESTS_TIMEOUT", "%d must be a positive number of milliseconds", c.RedisRequestsTimeoutMS))
	}
	errs = append(errs, checkPort("REDIS_PORT", c.RedisPort, false))
	if err := fanout.ValidateKeyPrefix(c.RedisAdapterKey); err != nil {
		errs = append(errs, Errorf("REDIS_ADAPTER_KEY", "%v", err))
	}
	choice, err := c.chooseBus()
	errs = append(errs, err)
	c.Bus = choice
	c.Redis = c.redisConfig()
	if choice.Redis && c.RedisURL != "" {
		errs = append(errs, checkURLExtras(c.RedisURL))
	}
	if choice.Redis && errors.Join(errs...) == nil {
		opts, err := c.Redis.Options(slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err == nil && c.Redis.ClusterMode() {
			var co *redis.ClusterOptions
			if co, err = c.Redis.ClusterOptions(slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil {
				c.RedisShown = describeCluster(opts, co.Addrs)
			}
		} else if err == nil {
			c.RedisShown = describeRedis(opts)
		}
		if err != nil {
			errs = append(errs, FromFanout(err, c.RedisURL))
		}
	}
	return errors.Join(errs...)
}

// chooseBus applies docs/design.md, Interface decisions (which bus):
// REDIS_ENABLED decides when set; otherwise Redis is used exactly when
// REDIS_URL or REDIS_HOST is set.
func (c *Config) chooseBus() (BusChoice, error) {
	if c.RedisEnabled != "" {
		on, err := strconv.ParseBool(c.RedisEnabled)
		if err != nil {
			return BusChoice{}, Errorf("REDIS_ENABLED", "%q is not a boolean (true or false)", c.RedisEnabled)
		}
		return BusChoice{Redis: on, Why: "REDIS_ENABLED=" + strconv.FormatBool(on)}, nil
	}
	switch {
	case c.RedisURL != "":
		return BusChoice{Redis: true, Why: "REDIS_URL is set"}, nil
	case c.RedisHost != "":
		return BusChoice{Redis: true, Why: "REDIS_HOST is set"}, nil
	case len(trimList(c.RedisClusterNodes)) > 0:
		return BusChoice{Redis: true, Why: "REDIS_CLUSTER_NODES is set"}, nil
	}
	return BusChoice{Why: "neither REDIS_URL nor REDIS_HOST is set"}, nil
}

// checkURLExtras refuses REDIS_URL query options and fragments, which
// would otherwise be ignored without a word (go-redis style ?dial_timeout=
// options are not read: every Setting has its own variable).
func checkURLExtras(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return nil // fanout reports it, hiding the value
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return Errorf("REDIS_URL", "%s: query options and fragments are not supported; use the REDIS_* variables", quoteURL(raw))
	}
	return nil
}

// FromFanout turns the fanout package's configuration error into ours.
// When REDIS_URL holds credentials, quoted parts of the message are hidden
// too: in a malformed URL a password can land in any part (the path of
// "redis://h/:pw@x"), as FuzzRedisURL found.
func FromFanout(err error, rawURL string) error {
	v, problem := "REDIS_URL", err.Error()
	var fe *fanout.ConfigError
	if errors.As(err, &fe) {
		v, problem = fe.Var, fe.Err.Error()
	}
	if strings.Contains(rawURL, "@") {
		problem = quotedParts.ReplaceAllString(problem, `"…"`)
	}
	return Errorf(v, "%s", problem)
}

// quotedParts matches the %q-quoted values inside an error message.
var quotedParts = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// describeRedis names the Redis the node dials, for logs: never the password.
func describeRedis(o *redis.Options) string {
	u := url.URL{Scheme: "redis", Host: o.Addr, Path: "/" + strconv.Itoa(o.DB)}
	if o.TLSConfig != nil {
		u.Scheme = "rediss"
	}
	if o.Username != "" {
		u.User = url.User(o.Username)
	}
	return u.String()
}

// describeCluster names a Redis Cluster's seeds, for logs: never the password.
func describeCluster(o *redis.Options, seeds []string) string {
	u := url.URL{Scheme: "redis", Host: strings.Join(seeds, ",")}
	if o.TLSConfig != nil {
		u.Scheme = "rediss"
	}
	if o.Username != "" {
		u.User = url.User(o.Username)
	}
	return "cluster " + u.String()
}

// quoteURL quotes a URL for an error message, or hides it when it may hold
// credentials: a malformed URL can put a password anywhere (after a stray
// '#' it becomes a "fragment"), so no redaction of parts is trusted.
func quoteURL(raw string) string {
	if strings.Contains(raw, "@") {
		return "the value (hidden: it holds credentials)"
	}
	return strconv.Quote(raw)
}
