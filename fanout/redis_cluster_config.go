package fanout

import (
	"crypto/tls"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Redis Cluster settings. Cluster mode is on when REDIS_CLUSTER=true, when
// REDIS_CLUSTER_NODES names seeds, or when REDIS_URL lists several nodes:
//
//	REDIS_URL=redis://user:pw@10.0.0.1:7000,10.0.0.2:7000,10.0.0.3:7000
//
// The first element is a full URL and carries the scheme (TLS), the
// credentials and nothing else that differs between nodes; each further
// element is host:port, or redis[s]://host:port with the same scheme. A
// comma in the password is best percent-encoded (%2C).
// Any node of the cluster is a valid seed; go-redis learns the rest from
// CLUSTER SLOTS.

// ClusterMode reports whether c asks for a Redis Cluster.
func (c RedisConfig) ClusterMode() bool {
	_, more := c.splitURL()
	return c.Cluster || len(c.ClusterNodes) > 0 || len(more) > 0
}

// splitURL returns REDIS_URL's first element and the further seeds. A
// piece holding '@' without a scheme continues the first element: a
// password with a comma (percent-encoding it as %2C always works).
func (c RedisConfig) splitURL() (first string, more []string) {
	pieces := strings.Split(c.URL, ",")
	first = pieces[0]
	for _, p := range pieces[1:] {
		if len(more) == 0 && strings.Contains(p, "@") && !strings.Contains(p, "://") {
			first += "," + p
			continue
		}
		more = append(more, p)
	}
	return first, more
}

// ClusterOptions builds go-redis cluster options with the same merge rules,
// timeouts, TLS and no-retry policy as Options. Errors are *ConfigError.
func (c RedisConfig) ClusterOptions(log *slog.Logger) (*redis.ClusterOptions, error) {
	opt, err := c.Options(log)
	if err != nil {
		return nil, err
	}
	if opt.DB != 0 {
		return nil, configErr(c.dbVar(), "a Redis Cluster serves database 0 only")
	}
	seeds, err := c.seeds(opt)
	if err != nil {
		return nil, err
	}
	co := &redis.ClusterOptions{
		Addrs:           seeds,
		Username:        opt.Username,
		Password:        opt.Password,
		Protocol:        opt.Protocol,
		DialTimeout:     opt.DialTimeout,
		ReadTimeout:     opt.ReadTimeout,
		WriteTimeout:    opt.WriteTimeout,
		PoolTimeout:     opt.PoolTimeout,
		MaxRetries:      -1, // as in Options: a retried pipeline could publish twice
		MaxRedirects:    -1, // a redirected batch after a network error could too; a MOVED batch is lost and counted, and the state reloads
		DialerRetries:   opt.DialerRetries,
		DisableIdentity: true,
		TLSConfig:       opt.TLSConfig,

		MaintNotificationsConfig: opt.MaintNotificationsConfig,
	}
	co.NewClient = nodeClient(opt.TLSConfig)
	return co, nil
}

// nodeClient makes each cluster node's client: its connections are quiet
// (quietDialer) and, with TLS, its certificate is verified against the
// node's own host name: cluster nodes announce themselves under different
// names, and one ServerName for all would fail every node but the seed.
func nodeClient(base *tls.Config) func(*redis.Options) *redis.Client {
	return func(o *redis.Options) *redis.Client {
		if host, _, err := net.SplitHostPort(o.Addr); err == nil && host != "" && base != nil {
			t := base.Clone()
			t.ServerName = host
			o.TLSConfig = t
		}
		o.Dialer = quietDialer(o)
		return redis.NewClient(o)
	}
}

func (c RedisConfig) dbVar() string {
	if c.URL != "" {
		return "REDIS_URL"
	}
	return "REDIS_DB"
}

// seeds lists the cluster's seed addresses: REDIS_URL's nodes and
// REDIS_CLUSTER_NODES, or REDIS_HOST/REDIS_PORT when neither names any.
func (c RedisConfig) seeds(opt *redis.Options) ([]string, error) {
	var out []string
	first, more := c.splitURL()
	if first != "" {
		out = append(out, opt.Addr)
	}
	scheme := ""
	if u, err := url.Parse(first); err == nil {
		scheme = u.Scheme
	}
	for _, m := range more {
		addr, err := seedAddr("REDIS_URL", m, scheme)
		if err != nil {
			return nil, err
		}
		out = append(out, addr)
	}
	for _, n := range c.ClusterNodes {
		addr, err := seedAddr("REDIS_CLUSTER_NODES", n, "")
		if err != nil {
			return nil, err
		}
		out = append(out, addr)
	}
	if len(out) == 0 {
		out = append(out, opt.Addr)
	}
	return out, nil
}

const seedShape = "want host:port, or redis[s]://host:port after the first node of the list"

// seedAddr checks one seed: host:port, or scheme://host:port when scheme
// (the first node's) is given. The value is never quoted: a mistyped list
// could put a password anywhere.
func seedAddr(v, raw, scheme string) (string, error) {
	raw = strings.TrimSpace(raw)
	if strings.Contains(raw, "://") {
		u, err := url.Parse(raw)
		switch {
		case err != nil || scheme == "":
			return "", configErr(v, "a seed is not host:port; %s", seedShape)
		case u.Scheme != scheme:
			return "", configErr(v, "seeds mix redis:// and rediss://; %s", seedShape)
		case u.User != nil || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "":
			return "", configErr(v, "only the first node may carry credentials or a database; %s", seedShape)
		}
		raw = u.Host
	}
	host, port, err := net.SplitHostPort(raw)
	if err != nil || host == "" {
		return "", configErr(v, "a seed is not host:port; %s", seedShape)
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return "", configErr(v, "a seed has a bad port; %s", seedShape)
	}
	return net.JoinHostPort(host, port), nil
}
