package config

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v10"
	"github.com/sidecast/sidecast/fanout"
	"github.com/sidecast/sidecast/sticky"
)

// Config is every Setting sidecast reads from the environment. The `env`,
// `envDefault` and `help` tags are the single source of `--help` and of the
// README's configuration table. Fields without an `env` tag are derived by
// Load and never read from the environment.
type Config struct {
	RedisURL                   string   `env:"REDIS_URL" help:"Redis to join, redis://[user[:password]@]host[:port][/db] or rediss:// for TLS. Wins over REDIS_HOST/PORT for what it contains." secret:"url"`
	RedisHost                  string   `env:"REDIS_HOST" help:"Redis host, when REDIS_URL is not set."`
	RedisPort                  int      `env:"REDIS_PORT" envDefault:"6379" help:"Redis port, with REDIS_HOST."`
	RedisUsername              string   `env:"REDIS_USERNAME" help:"Redis ACL user; fills what REDIS_URL lacks."`
	RedisPassword              string   `env:"REDIS_PASSWORD" help:"Redis password; fills what REDIS_URL lacks. Never logged." secret:"true"`
	RedisTLS                   bool     `env:"REDIS_TLS" envDefault:"false" help:"Talk TLS to Redis (rediss:// turns it on too)."`
	RedisTLSCert               string   `env:"REDIS_TLS_CERT" help:"Client certificate file (PEM) for mutual TLS; needs REDIS_TLS_KEY."`
	RedisTLSKey                string   `env:"REDIS_TLS_KEY" help:"Client key file (PEM) for mutual TLS; needs REDIS_TLS_CERT."`
	RedisTLSCA                 string   `env:"REDIS_TLS_CA" help:"CA bundle file (PEM) that signs the Redis server certificate; system roots when empty."`
	RedisTLSRejectUnauthorized bool     `env:"REDIS_TLS_REJECT_UNAUTHORIZED" envDefault:"true" help:"Verify the Redis server certificate. false is for development only."`
	RedisEnabled               string   `env:"REDIS_ENABLED" help:"Unset: Redis is used when REDIS_URL or REDIS_HOST is set, else the in-memory bus (single node). true: use Redis (127.0.0.1:REDIS_PORT when no host is given). false: force the in-memory bus."`
	RedisAdapterKey            string   `env:"REDIS_ADAPTER_KEY" envDefault:"socket.io" help:"Prefix of every Redis key and channel. Pub/sub ignores the db number: give each environment its own."`
	RedisRequestsTimeoutMS     int      `env:"REDIS_REQUESTS_TIMEOUT" envDefault:"5000" help:"Milliseconds: bounds each Redis dial and command, and (with mirror sessions) how long a membership barrier waits for peers; keep it well below clients' connect timeout."`
	RedisCluster               bool     `env:"REDIS_CLUSTER" envDefault:"false" help:"Redis is a Redis Cluster: every channel goes through sharded pub/sub (SPUBLISH/SSUBSCRIBE, Redis 7). Several nodes in REDIS_URL (redis://[user:pw@]h1:p1,h2:p2) or REDIS_CLUSTER_NODES turn it on too."`
	RedisClusterNodes          []string `env:"REDIS_CLUSTER_NODES" help:"Comma-separated host:port seed nodes of a Redis Cluster (any node will do; the rest are discovered); credentials and TLS come from the other REDIS_* variables."`

	ServerID          string `env:"SERVER_ID" help:"This node's id in the cluster; <hostname>-<random> when empty."`
	ServerAddr        string `env:"SERVER_ADDR" help:"IP address SERVER_PORT listens on; every interface (IPv4 and IPv6) when empty, 0.0.0.0 or ::."`
	ServerPort        int    `env:"SERVER_PORT" envDefault:"3000" help:"Port clients connect to; also serves proxied HTTP and HEALTH_PATH."`
	BackendURL        string `env:"BACKEND_URL" envDefault:"http://127.0.0.1:3001" help:"The unmodified backend beside this sidecast: http://host:port[/base] (ws:// is accepted too). TLS toward the backend is not supported yet."`
	BackendHostHeader string `env:"BACKEND_HOST_HEADER" envDefault:"client" help:"The Host the backend is sent on every request, upgrade and mirror: client (the client's Host, as a reverse proxy configured for WebSockets sends it, so a server that checks Origin against Host accepts browsers) or backend (BACKEND_URL's host, for a backend that routes on its own name). X-Forwarded-Host carries the client's either way."`
	Protocol          string `env:"PROTOCOL" envDefault:"websocket" help:"What clients speak: websocket (RFC 6455, JSON events), socketio (Socket.IO v4) or engineio (plain Engine.IO v4, for servers that use engine.io directly: messages relay whole, events named by EVENT_FIELD of JSON messages)."`

	SocketIOPath   string   `env:"SOCKETIO_PATH" envDefault:"/socket.io/" help:"PROTOCOL=socketio or engineio: the path Engine.IO is served on, the Socket.IO path option of the backend and its clients (they must match); other paths are proxied to the backend."`
	AdvertiseURL   string   `env:"ADVERTISE_URL" help:"URL peers use to reach this node's SERVER_PORT, for requests forwarded to the session's owner: http://host:port. Derived when empty: http://<first non-loopback address, else the hostname>:SERVER_PORT."`
	Forwarding     string   `env:"FORWARDING" envDefault:"on" help:"on: a polling request or websocket upgrade for a session another node owns is forwarded there, so the load balancer may be plain round-robin. off: it gets Session ID unknown, as without sidecast (needs a sticky load balancer)."`
	StickyCookie   string   `env:"STICKY_COOKIE" help:"For load balancers that stick by cookie: an affinity cookie set on each Engine.IO handshake, as name and attributes, e.g. sidecast_node; Path=/; HttpOnly; SameSite=Lax (the value is SERVER_ID). Off when empty."`
	TrustedProxies []string `env:"TRUSTED_PROXIES" envDefault:"127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7" help:"Comma-separated CIDRs (or addresses) whose X-Forwarded-For is kept and appended to; from anyone else it is replaced by the client's address."`
	ClusterSecret  string   `env:"CLUSTER_SECRET" help:"Shared by every node: authenticates every bus message (HMAC-SHA256, bound to REDIS_ADAPTER_KEY; others are refused and counted) and encrypts handshakes on the bus (AES-GCM), signs requests forwarded between nodes (HMAC) and keys session-id tags; a forward without a valid signature is refused. At least 16 bytes. Empty: forwards from TRUSTED_PROXIES are believed (a warning says so at start-up)." secret:"true"`

	MaxConnections   int           `env:"MAX_CONNECTIONS" envDefault:"0" help:"Client sessions this node accepts; more get HTTP 503. 0 = no limit."`
	MaxConnsPerIP    int           `env:"MAX_CONNECTIONS_PER_IP" envDefault:"0" help:"Open TCP connections one client address may hold on SERVER_PORT; more get HTTP 429 and are closed. Addresses in TRUSTED_PROXIES are exempt (a load balancer carries many clients). 0 = no limit."`
	MaxPayload       int           `env:"MAX_PAYLOAD" envDefault:"1048576" help:"Largest client message in bytes; a bigger one closes the session (1009)."`
	WriteQueueSize   int           `env:"WRITE_QUEUE_SIZE" envDefault:"4194304" help:"Bytes queued towards one connection (client or backend) before it counts as slow and is closed (1008); at least MAX_PAYLOAD plus 14."`
	HandshakeTimeout time.Duration `env:"HANDSHAKE_TIMEOUT" envDefault:"10s" help:"Bounds writing a client's upgrade response, and dialing the backend with its upgrade."`

	MirrorEventList string        `env:"MIRROR_EVENTS" help:"Comma-separated membership events replayed on every node's mirror, e.g. join_twin_room,leave_twin_room or, with spaces in names, 'add user,new message'. A name holding a comma or '@' (or with spaces at its ends) is written as a JSON string: '\"a,b\",c'."`
	MirrorReplyList string        `env:"MIRROR_EVENT_REPLY" help:"Comma-separated events with which the home backend answers a membership event (held frames wait for it); names as in MIRROR_EVENTS."`
	LocalEventList  string        `env:"LOCAL_EVENTS" help:"Comma-separated echo events accepted only from the home backend, e.g. 'login,user joined,user left'; an entry may add a payload match: new_message@from=system. A name, field or value holding the syntax's own characters (',' '@' '=') is written as a JSON string: '\"new, message\"@from=system'."`
	EventField      string        `env:"EVENT_FIELD" envDefault:"type" help:"PROTOCOL=websocket or engineio: the JSON field whose value names a message's event, for MIRROR_EVENTS and LOCAL_EVENTS."`
	Mirrors         string        `env:"MIRRORS" envDefault:"on" help:"on: every node opens a mirror of every client session of the cluster, so N nodes behave like one. off: each node serves only its own clients (to show what mirrors fix)."`
	EchoWindow      time.Duration `env:"ECHO_WINDOW" envDefault:"500ms" help:"An identical frame reaching a session from its home backend and from a mirror within this window counts as an echo (a LOCAL_EVENTS candidate, see /admin/stats)."`
	ReleaseGrace    time.Duration `env:"RELEASE_GRACE" envDefault:"50ms" help:"Held client frames released after a membership barrier are not followed by a DISCONNECT or close for this long, so the backend handles them first."`
	CoalesceWindow  time.Duration `env:"COALESCE_WINDOW" envDefault:"250us" help:"Identical frames relayed to sessions of one other node travel as one bus message; they leave once the node has read every ready connection, and after this long at the latest on a node that is never idle. 0 relays each frame at once."`
	MirrorSettle    time.Duration `env:"MIRROR_SETTLE" envDefault:"20ms" help:"After writing a membership event to a mirror, how long sidecast lets that backend handle it before the home node may go on; an event the client sent with an ack is done at the backend's ack instead (MIRROR_REPLY_TIMEOUT at most)."`
	AckTTL          time.Duration `env:"ACK_TTL" envDefault:"30s" help:"How long an ack that a backend asked a client for (emitWithAck) stays routable back to that backend."`
	BackendRetry    time.Duration `env:"BACKEND_RETRY_INTERVAL" envDefault:"100ms" help:"After its backend went away, how often a node checks whether it is back. Until it is, and until the mirrors of every other node's sessions are rebuilt on it, the node takes no new client session (503; HEALTH_PATH and /readyz say syncing)."`
	ReplyTimeout    time.Duration `env:"MIRROR_REPLY_TIMEOUT" envDefault:"1s" help:"Longest that frames relayed from other nodes wait for the home backend's answer to a membership event (its CONNECT reply, the ack the client asked for, or a MIRROR_EVENT_REPLY event; nothing is awaited where none of these is expected)."`

	MetricsAddr       string        `env:"METRICS_ADDR" envDefault:"127.0.0.1" help:"IP address METRICS_PORT listens on. Loopback by default: the admin API and the metrics stay inside the host. 0.0.0.0 (or ::) is every interface, which Kubernetes probes and Prometheus scrapes of the pod need (the Helm chart sets it)."`
	MetricsPort       int           `env:"METRICS_PORT" envDefault:"9090" help:"Port of /metrics (Prometheus), /livez, /readyz and the admin API (/admin/stats, /admin/redis-metrics, /admin/debug, and /debug/pprof/ with PPROF=on); 0 = off."`
	AdminToken        string        `env:"ADMIN_TOKEN" help:"Bearer token of the admin API on METRICS_PORT, at least 16 bytes; while unset the admin paths answer 403. Never logged." secret:"true"`
	Pprof             string        `env:"PPROF" envDefault:"off" help:"on: Go's profiler under /debug/pprof/ on METRICS_PORT, behind ADMIN_TOKEN. off: those paths answer 404."`
	DrainRate         int           `env:"DRAIN_RATE" envDefault:"100" help:"On SIGTERM/SIGINT: client sessions per second told to reconnect elsewhere (WebSocket 1001, Engine.IO close), so other nodes see no reconnect storm."`
	HealthPath        string        `env:"HEALTH_PATH" envDefault:"/health" help:"Path on SERVER_PORT answered by sidecast itself (JSON health); set another one if the backend's own must stay reachable."`
	DrainTimeout      time.Duration `env:"DRAIN_TIMEOUT" envDefault:"30s" help:"Longest a SIGTERM/SIGINT drain and shutdown may take; sessions still open then are closed and the exit code is 1."`
	HeartbeatInterval time.Duration `env:"HEARTBEAT_INTERVAL" envDefault:"2s" help:"How often this node refreshes its registry entry in Redis."`
	HeartbeatTTL      time.Duration `env:"HEARTBEAT_TTL" envDefault:"10s" help:"A node whose heartbeat is older than this is dead to its peers; more than HEARTBEAT_INTERVAL."`
	OutageLogInterval time.Duration `env:"OUTAGE_LOG_INTERVAL" envDefault:"30s" help:"While Redis or the backend is unreachable, how often a line says it still is (one line says when the outage starts, one when it ends); also the least time between two lines about client requests the backend failed, which count those in between."`

	LogLevel  string `env:"LOG_LEVEL" envDefault:"info" help:"debug, info, warn or error."`
	LogFormat string `env:"LOG_FORMAT" envDefault:"json" help:"json or text."`
	DemoPort  int    `env:"DEMO_PORT" envDefault:"8080" help:"sidecast demo: port of the demo page (a chat pane through each node and their live stats); 0 = any free port."`

	// Derived by Load.
	Backend          *url.URL           // BACKEND_URL, parsed
	Bus              BusChoice          // REDIS_ENABLED, REDIS_URL, REDIS_HOST
	Redis            fanout.RedisConfig // REDIS_*, for fanout.NewRedisBus
	MirrorEvents     []string           // MIRROR_EVENTS, parsed
	MirrorEventReply []string           // MIRROR_EVENT_REPLY, parsed
	LocalMatches     []EventMatch       // LOCAL_EVENTS, parsed
	Trusted          []netip.Prefix     // TRUSTED_PROXIES, parsed
	Cookie           *sticky.Cookie     // STICKY_COOKIE, parsed; nil when off
	RedisShown       string             // the Redis dialed, without password, for logs and the admin API
	Warnings         []Warning          // settings that start but look wrong, for the start-up log
}

// Protocols sidecast speaks to clients.
const (
	ProtocolWebSocket = "websocket"
	ProtocolSocketIO  = "socketio"
	ProtocolEngineIO  = "engineio"
)

// EngineIO reports whether PROTOCOL terminates Engine.IO (socketio or engineio).
func (c *Config) EngineIO() bool {
	return c.Protocol == ProtocolSocketIO || c.Protocol == ProtocolEngineIO
}

// RequestsTimeout is REDIS_REQUESTS_TIMEOUT as a duration.
func (c *Config) RequestsTimeout() time.Duration {
	return time.Duration(c.RedisRequestsTimeoutMS) * time.Millisecond
}

// Load reads the configuration from environ (KEY → value), applies the
// defaults and validates every value. Every problem found is reported in
// one pass, each naming its variable; the error wraps ErrBadConfig. What
// starts but looks wrong (a variable that is almost one of sidecast's, a
// cluster that cannot agree on rooms) is listed in Warnings.
func Load(environ map[string]string) (*Config, error) {
	cfg, errs := parse(environ)
	for _, check := range []func() error{
		cfg.checkServer,
		cfg.checkListen,
		cfg.checkLimits,
		cfg.checkEvents,
		cfg.checkMirrors,
		cfg.checkOps,
		cfg.checkOperations,
		cfg.checkSticky,
		cfg.checkSecrets,
		cfg.resolveRedis,
	} {
		errs = append(errs, check())
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.ServerID == "" {
		cfg.ServerID = generateServerID()
	}
	cfg.Warnings = append(lookalikeWarnings(environ), cfg.doubtfulSettings()...)
	return cfg, nil
}

// parse fills a Config from environ. A value the environment parser
// refuses (not an integer, not a duration) is reported and its variable
// takes its default instead, so that the checks still run on every other
// value and report their problems in the same pass.
func parse(environ map[string]string) (*Config, []error) {
	cfg := &Config{}
	err := env.ParseWithOptions(cfg, env.Options{Environment: environ})
	if err == nil {
		return cfg, nil
	}
	errs, refused := parseErrors(err, environ)
	rest := maps.Clone(environ)
	for _, name := range refused {
		delete(rest, name)
	}
	cfg = &Config{}
	if err := env.ParseWithOptions(cfg, env.Options{Environment: rest}); err != nil {
		errs = append(errs, fmt.Errorf("%w: %v", ErrBadConfig, err)) // a default the parser refuses: a bug
	}
	return cfg, errs
}

// parseErrors turns the env library's errors (which name struct fields and
// may quote values) into ConfigErrors that name variables and quote only
// values that are not secret; refused lists those variables.
func parseErrors(err error, environ map[string]string) (errs []error, refused []string) {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return []error{fmt.Errorf("%w: %v", ErrBadConfig, err)}, nil
	}
	for _, e := range agg.Errors {
		var pe env.ParseError
		if !errors.As(e, &pe) {
			errs = append(errs, fmt.Errorf("%w: %v", ErrBadConfig, e))
			continue
		}
		f, _ := reflect.TypeOf(Config{}).FieldByName(pe.Name)
		name, _, _ := strings.Cut(f.Tag.Get("env"), ",")
		errs = append(errs, Errorf(name, "%s is not %s%s", shown(f, environ[name]), kindName(f.Type), serviceLinkHint(name, environ[name])))
		refused = append(refused, name)
	}
	return errs, refused
}

// shown quotes a raw value for an error message, unless the field is secret.
func shown(f reflect.StructField, raw string) string {
	if f.Tag.Get("secret") != "" {
		return "the value"
	}
	return strconv.Quote(raw)
}

func kindName(t reflect.Type) string {
	switch {
	case t == reflect.TypeOf(time.Duration(0)):
		return "a Go duration (like 500ms, 10s, 1m)"
	case t.Kind() == reflect.Bool:
		return "a boolean (true or false)"
	case t.Kind() == reflect.Int:
		return "an integer"
	}
	return "a valid " + t.String()
}
