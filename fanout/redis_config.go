package fanout

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// RedisConfig is how a node reaches Redis. main fills it from the
// environment variable named on each field; the zero value means a plain
// connection to 127.0.0.1:6379 with key prefix "socket.io".
type RedisConfig struct {
	// URL (REDIS_URL): redis://[user[:password]@]host[:port][/db], or
	// rediss:// for TLS. It wins for every part it contains.
	URL string
	// Host (REDIS_HOST) and Port (REDIS_PORT) are used when URL is empty;
	// defaults 127.0.0.1 and 6379.
	Host string
	Port int
	// Username (REDIS_USERNAME) and Password (REDIS_PASSWORD) fill what URL lacks.
	Username string
	Password string
	// DB is the database number when URL names none. Pub/sub ignores it:
	// environments that share a Redis need distinct KeyPrefix values.
	DB int
	// TLS (REDIS_TLS) turns TLS on; a rediss:// URL does too.
	TLS bool
	// TLSCertFile (REDIS_TLS_CERT) and TLSKeyFile (REDIS_TLS_KEY): a client
	// certificate for mutual TLS; both or neither.
	TLSCertFile string
	TLSKeyFile  string
	// TLSCAFile (REDIS_TLS_CA): PEM CA bundle to verify the server; empty
	// means the system roots.
	TLSCAFile string
	// TLSRejectUnauthorized (REDIS_TLS_REJECT_UNAUTHORIZED): nil or true
	// verifies the server's certificate; false skips verification, which
	// is logged as a warning every time options are built.
	TLSRejectUnauthorized *bool
	// KeyPrefix (REDIS_ADAPTER_KEY) starts every key and channel; default
	// "socket.io". See ValidateKeyPrefix.
	KeyPrefix string
	// RequestTimeout (REDIS_REQUESTS_TIMEOUT, given in ms) bounds a dial
	// and each command; default 5s.
	RequestTimeout time.Duration
	// Cluster (REDIS_CLUSTER) talks to a Redis Cluster: seed nodes from
	// URL, ClusterNodes or Host/Port, every channel through sharded pub/sub
	// (redis_cluster_config.go). Several seeds in URL or any ClusterNodes
	// turn it on too.
	Cluster bool
	// ClusterNodes (REDIS_CLUSTER_NODES) are more seed nodes, host:port.
	ClusterNodes []string
}

// ConfigError names the environment variable whose value is wrong. Its text
// never includes a password or a URL that may hold one.
type ConfigError struct {
	Var string // e.g. "REDIS_URL"
	Err error
}

func (e *ConfigError) Error() string { return e.Var + ": " + e.Err.Error() }

// Unwrap lets errors.Is match ErrConfig and the cause.
func (e *ConfigError) Unwrap() []error { return []error{ErrConfig, e.Err} }

func configErr(v, format string, args ...any) error {
	return &ConfigError{Var: v, Err: fmt.Errorf(format, args...)}
}

// DefaultKeyPrefix is REDIS_ADAPTER_KEY's default, the native adapter's.
const DefaultKeyPrefix = "socket.io"

// prefix returns the key prefix, defaulted and checked.
func (c RedisConfig) prefix() (string, error) {
	p := c.KeyPrefix
	if p == "" {
		p = DefaultKeyPrefix
	}
	if err := ValidateKeyPrefix(p); err != nil {
		return "", &ConfigError{Var: "REDIS_ADAPTER_KEY", Err: err}
	}
	return p, nil
}

// Options builds go-redis options with the merge rules of the design:
// REDIS_URL wins for what it contains, REDIS_USERNAME/REDIS_PASSWORD fill
// what it lacks, rediss:// or REDIS_TLS=true turn TLS on. Errors are
// *ConfigError. log receives the warning when verification is off; nil
// means slog.Default().
func (c RedisConfig) Options(log *slog.Logger) (*redis.Options, error) {
	if log == nil {
		log = slog.Default()
	}
	if _, err := c.prefix(); err != nil {
		return nil, err
	}
	ep, err := c.endpoint()
	if err != nil {
		return nil, err
	}
	timeout := c.RequestTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	opt := &redis.Options{
		Addr:            net.JoinHostPort(ep.host, strconv.Itoa(ep.port)),
		Username:        ep.user,
		Password:        ep.password,
		DB:              ep.db,
		Protocol:        2, // RESP2: AUTH, plain pub/sub replies, no RESP3-only commands to allow in ACLs
		DialTimeout:     timeout,
		ReadTimeout:     timeout,
		WriteTimeout:    timeout,
		PoolTimeout:     timeout,
		MaxRetries:      -1, // a retried pipeline could publish twice or out of order
		DialerRetries:   1,  // the bus's own loops retry, with backoff and a log line each
		DisableIdentity: true,
		MaintNotificationsConfig: &maintnotifications.Config{
			Mode: maintnotifications.ModeDisabled,
		},
	}
	if ep.tls || c.TLS {
		if opt.TLSConfig, err = c.tlsConfig(ep.host, log); err != nil {
			return nil, err
		}
	} else if c.TLSCAFile != "" || c.TLSCertFile != "" || c.TLSKeyFile != "" {
		return nil, configErr("REDIS_TLS", "TLS files are set but TLS is off (set REDIS_TLS=true or use a rediss:// URL)")
	}
	opt.Dialer = quietDialer(opt)
	return opt, nil
}

type endpoint struct {
	host, user, password string
	port, db             int
	tls                  bool
}

// endpoint merges URL and the separate settings.
func (c RedisConfig) endpoint() (endpoint, error) {
	ep := endpoint{host: c.Host, port: c.Port, user: c.Username, password: c.Password, db: c.DB}
	if ep.host == "" {
		ep.host = "127.0.0.1"
	}
	if ep.port == 0 {
		ep.port = 6379
	}
	if ep.port < 0 || ep.port > 65535 {
		return ep, configErr("REDIS_PORT", "port %d out of range", ep.port)
	}
	if ep.db < 0 {
		return ep, configErr("REDIS_DB", "negative database number")
	}
	if c.URL == "" {
		return ep, nil
	}
	first, _ := c.splitURL()
	return mergeURL(ep, first)
}

const urlShape = "want redis[s]://[user[:password]@]host[:port][/db] (the value is not shown: it may hold a password)"

func mergeURL(ep endpoint, raw string) (endpoint, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return ep, configErr("REDIS_URL", "not a valid URL; %s", urlShape)
	}
	switch u.Scheme {
	case "redis":
	case "rediss":
		ep.tls = true
	default:
		// The scheme is not quoted: in "user:pw@host" it is the user name.
		return ep, configErr("REDIS_URL", "the scheme is not redis or rediss; %s", urlShape)
	}
	if h := u.Hostname(); h == "" || strings.ContainsAny(h, "[]") {
		return ep, configErr("REDIS_URL", "no host; %s", urlShape)
	}
	ep.host, ep.port = u.Hostname(), 6379
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return ep, configErr("REDIS_URL", "bad port; %s", urlShape)
		}
		ep.port = n
	}
	if u.User != nil {
		if name := u.User.Username(); name != "" {
			ep.user = name
		}
		if pw, ok := u.User.Password(); ok {
			ep.password = pw
		}
	}
	if path := strings.Trim(u.Path, "/"); path != "" {
		n, err := strconv.Atoi(path)
		if err != nil || n < 0 {
			// The path is not quoted: in a malformed URL it may hold the password.
			return ep, configErr("REDIS_URL", "the path is not a database number; %s", urlShape)
		}
		ep.db = n
	}
	return ep, nil
}

// tlsConfig loads the CA and the client certificate. Verification stays on
// unless TLSRejectUnauthorized is explicitly false.
func (c RedisConfig) tlsConfig(host string, log *slog.Logger) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}
	if c.TLSCAFile != "" {
		pem, err := os.ReadFile(c.TLSCAFile)
		if err != nil {
			return nil, &ConfigError{Var: "REDIS_TLS_CA", Err: fmt.Errorf("read CA file: %w", err)}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, configErr("REDIS_TLS_CA", "%s holds no PEM certificate", c.TLSCAFile)
		}
		cfg.RootCAs = pool
	}
	switch {
	case c.TLSCertFile != "" && c.TLSKeyFile != "":
		if _, err := os.Stat(c.TLSCertFile); err != nil {
			return nil, &ConfigError{Var: "REDIS_TLS_CERT", Err: fmt.Errorf("read client certificate: %w", err)}
		}
		if _, err := os.Stat(c.TLSKeyFile); err != nil {
			return nil, &ConfigError{Var: "REDIS_TLS_KEY", Err: fmt.Errorf("read client key: %w", err)}
		}
		cert, err := tls.LoadX509KeyPair(c.TLSCertFile, c.TLSKeyFile)
		if err != nil {
			return nil, &ConfigError{Var: "REDIS_TLS_CERT", Err: fmt.Errorf("load client certificate and key: %w", err)}
		}
		cfg.Certificates = []tls.Certificate{cert}
	case c.TLSCertFile != "":
		return nil, configErr("REDIS_TLS_KEY", "REDIS_TLS_CERT is set without its key")
	case c.TLSKeyFile != "":
		return nil, configErr("REDIS_TLS_CERT", "REDIS_TLS_KEY is set without its certificate")
	}
	if c.TLSRejectUnauthorized != nil && !*c.TLSRejectUnauthorized {
		cfg.InsecureSkipVerify = true
		log.Warn("fanout: REDIS_TLS_REJECT_UNAUTHORIZED=false: the Redis server's certificate is NOT verified; anyone on the path can impersonate it")
	}
	return cfg, nil
}
