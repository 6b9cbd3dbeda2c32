package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sidecast/sidecast/fanout"
	"github.com/sidecast/sidecast/proxy"
)

func mustLoad(t *testing.T, environ map[string]string) *Config {
	t.Helper()
	cfg, err := Load(environ)
	if err != nil {
		t.Fatalf("Load(%v): %v", environ, err)
	}
	return cfg
}

func TestConfigDefaults(t *testing.T) {
	cfg := mustLoad(t, map[string]string{})
	tests := []struct {
		name      string
		got, want any
	}{
		{"REDIS_PORT", cfg.RedisPort, 6379},
		{"REDIS_TLS", cfg.RedisTLS, false},
		{"REDIS_TLS_REJECT_UNAUTHORIZED", cfg.RedisTLSRejectUnauthorized, true},
		{"REDIS_ADAPTER_KEY", cfg.RedisAdapterKey, "socket.io"},
		{"REDIS_REQUESTS_TIMEOUT", cfg.RequestsTimeout(), 5 * time.Second},
		{"SERVER_PORT", cfg.ServerPort, 3000},
		{"BACKEND_URL", cfg.Backend.String(), "http://127.0.0.1:3001"},
		{"PROTOCOL", cfg.Protocol, "websocket"},
		{"MAX_CONNECTIONS", cfg.MaxConnections, 0},
		{"MAX_PAYLOAD", cfg.MaxPayload, proxy.DefaultMaxPayload},
		{"WRITE_QUEUE_SIZE", cfg.WriteQueueSize, proxy.DefaultWriteQueueBytes},
		{"HANDSHAKE_TIMEOUT", cfg.HandshakeTimeout, proxy.DefaultHandshakeTimeout},
		{"EVENT_FIELD", cfg.EventField, "type"},
		{"HEALTH_PATH", cfg.HealthPath, "/health"},
		{"DRAIN_TIMEOUT", cfg.DrainTimeout, 30 * time.Second},
		{"HEARTBEAT_INTERVAL", cfg.HeartbeatInterval, 2 * time.Second},
		{"HEARTBEAT_TTL", cfg.HeartbeatTTL, 10 * time.Second},
		{"LOG_LEVEL", cfg.LogLevel, "info"},
		{"LOG_FORMAT", cfg.LogFormat, "json"},
		{"DEMO_PORT", cfg.DemoPort, 8080},
		{"SERVER_ADDR", cfg.ServerListenAddr(), ":3000"},
		{"METRICS_ADDR", cfg.MetricsListenAddr(), "127.0.0.1:9090"},
		{"PPROF", cfg.ProfilerOn(), false},
		{"OUTAGE_LOG_INTERVAL", cfg.OutageLogInterval, 30 * time.Second},
		{"healthcheck", cfg.ServerDialAddr(), "127.0.0.1:3000"},
		{"warnings", len(cfg.Warnings), 0},
		{"bus", cfg.Bus, BusChoice{Why: "neither REDIS_URL nor REDIS_HOST is set"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Fatalf("default %v, want %v", tt.got, tt.want)
			}
		})
	}
	if fanout.ValidateNodeID(cfg.ServerID) != nil {
		t.Fatalf("generated SERVER_ID %q is not a valid id", cfg.ServerID)
	}
	if other := mustLoad(t, map[string]string{}); other.ServerID == cfg.ServerID {
		t.Fatalf("two generated SERVER_IDs are equal: %q", cfg.ServerID)
	}
}

// TestConfigValues sets each variable to a good value and checks where it
// lands.
func TestConfigValues(t *testing.T) {
	tests := []struct {
		name  string
		value string
		got   func(*Config) any
		want  any
	}{
		{"SERVER_ID", "node-a.1", func(c *Config) any { return c.ServerID }, "node-a.1"},
		{"SERVER_PORT", "4000", func(c *Config) any { return c.ServerPort }, 4000},
		{"BACKEND_URL", "ws://backend:8000/base", func(c *Config) any { return c.Backend.String() }, "http://backend:8000/base"},
		{"PROTOCOL", "websocket", func(c *Config) any { return c.Protocol }, "websocket"},
		{"PROTOCOL", "engineio", func(c *Config) any { return c.EngineIO() }, true},
		{"BACKEND_HOST_HEADER", "backend", func(c *Config) any { return c.BackendHostHeader }, "backend"},
		{"MAX_CONNECTIONS", "100", func(c *Config) any { return c.MaxConnections }, 100},
		{"MAX_PAYLOAD", "4096", func(c *Config) any { return c.MaxPayload }, 4096},
		{"WRITE_QUEUE_SIZE", "8388608", func(c *Config) any { return c.WriteQueueSize }, 8388608},
		{"HANDSHAKE_TIMEOUT", "1500ms", func(c *Config) any { return c.HandshakeTimeout }, 1500 * time.Millisecond},
		{"MIRROR_EVENTS", "join_twin_room, leave_twin_room", func(c *Config) any { return c.MirrorEvents }, []string{"join_twin_room", "leave_twin_room"}},
		{"MIRROR_EVENT_REPLY", "room_joined", func(c *Config) any { return c.MirrorEventReply }, []string{"room_joined"}},
		{"LOCAL_EVENTS", "welcome,new_message@from=system", func(c *Config) any { return c.LocalMatches },
			[]EventMatch{{Name: "welcome"}, {Name: "new_message", Field: "from", Value: "system"}}},
		{"LOCAL_EVENTS", "a@b=c=d", func(c *Config) any { return c.LocalMatches }, []EventMatch{{Name: "a", Field: "b", Value: "c=d"}}},
		{"MIRROR_EVENTS", "add user,new message", func(c *Config) any { return c.MirrorEvents }, []string{"add user", "new message"}},
		{"MIRROR_EVENTS", `"a,b",é!`, func(c *Config) any { return c.MirrorEvents }, []string{"a,b", "é!"}},
		{"MIRROR_EVENT_REPLY", "room joined", func(c *Config) any { return c.MirrorEventReply }, []string{"room joined"}},
		{"LOCAL_EVENTS", "login,user joined,user left", func(c *Config) any { return c.LocalMatches },
			[]EventMatch{{Name: "login"}, {Name: "user joined"}, {Name: "user left"}}},
		{"LOCAL_EVENTS", `"new, message"@"a=b"=chat bot`, func(c *Config) any { return c.LocalMatches },
			[]EventMatch{{Name: "new, message", Field: "a=b", Value: "chat bot"}}},
		{"EVENT_FIELD", "event", func(c *Config) any { return c.EventField }, "event"},
		{"HEALTH_PATH", "/sidecast/health", func(c *Config) any { return c.HealthPath }, "/sidecast/health"},
		{"DRAIN_TIMEOUT", "1m", func(c *Config) any { return c.DrainTimeout }, time.Minute},
		{"HEARTBEAT_INTERVAL", "500ms", func(c *Config) any { return c.HeartbeatInterval }, 500 * time.Millisecond},
		{"HEARTBEAT_TTL", "3s", func(c *Config) any { return c.HeartbeatTTL }, 3 * time.Second},
		{"LOG_LEVEL", "debug", func(c *Config) any { return c.LogLevel }, "debug"},
		{"LOG_FORMAT", "text", func(c *Config) any { return c.LogFormat }, "text"},
		{"DEMO_PORT", "0", func(c *Config) any { return c.DemoPort }, 0},
		{"PROTOCOL", "SocketIO", func(c *Config) any { return c.Protocol }, "socketio"},
		{"PROTOCOL", " WEBSOCKET ", func(c *Config) any { return c.Protocol }, "websocket"},
		{"SERVER_ADDR", "::1", func(c *Config) any { return c.ServerListenAddr() + " " + c.ServerDialAddr() }, "[::1]:3000 [::1]:3000"},
		{"SERVER_ADDR", "0.0.0.0", func(c *Config) any { return c.ServerListenAddr() + " " + c.ServerDialAddr() }, "0.0.0.0:3000 127.0.0.1:3000"},
		{"SERVER_ADDR", "::", func(c *Config) any { return c.ServerDialAddr() }, "127.0.0.1:3000"},
		{"METRICS_ADDR", "0.0.0.0", func(c *Config) any { return c.MetricsListenAddr() }, "0.0.0.0:9090"},
		{"METRICS_ADDR", "fe80::1%eth0", func(c *Config) any { return c.MetricsListenAddr() }, "[fe80::1%eth0]:9090"},
		{"PPROF", "on", func(c *Config) any { return c.ProfilerOn() }, true},
		{"ADMIN_TOKEN", "0123456789abcdef", func(c *Config) any { return c.AdminToken }, "0123456789abcdef"},
		{"CLUSTER_SECRET", "0123456789abcdef", func(c *Config) any { return c.ClusterSecret }, "0123456789abcdef"},
		{"OUTAGE_LOG_INTERVAL", "1m", func(c *Config) any { return c.OutageLogInterval }, time.Minute},
		{"REDIS_ADAPTER_KEY", "staging", func(c *Config) any { return c.Redis.KeyPrefix }, "staging"},
		{"REDIS_REQUESTS_TIMEOUT", "250", func(c *Config) any { return c.Redis.RequestTimeout }, 250 * time.Millisecond},
		{"REDIS_HOST", "cache", func(c *Config) any { return c.RedisShown }, "redis://cache:6379/0"},
		{"REDIS_PORT", "6380", func(c *Config) any { return c.Redis.Port }, 6380},
		{"REDIS_USERNAME", "app", func(c *Config) any { return c.Redis.Username }, "app"},
		{"REDIS_PASSWORD", "pw", func(c *Config) any { return c.Redis.Password }, "pw"},
		{"REDIS_ENABLED", "true", func(c *Config) any { return c.Bus.Redis }, true},
		{"REDIS_TLS", "true", func(c *Config) any { return c.Redis.TLS }, true},
		{"REDIS_TLS_REJECT_UNAUTHORIZED", "false", func(c *Config) any { return *c.Redis.TLSRejectUnauthorized }, false},
		{"REDIS_URL", "redis://h:1/2", func(c *Config) any { return c.RedisShown }, "redis://h:1/2"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			cfg := mustLoad(t, map[string]string{tt.name: tt.value})
			if got := tt.got(cfg); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("%s=%q gave %#v, want %#v", tt.name, tt.value, got, tt.want)
			}
		})
	}
}

// TestConfigErrors: each bad value stops start-up with an error that wraps
// ErrBadConfig, names the variable and says what is wrong.
func TestConfigErrors(t *testing.T) {
	tests := []struct {
		env     map[string]string
		wantVar string
		want    string
	}{
		{map[string]string{"SERVER_PORT": "abc"}, "SERVER_PORT", `"abc" is not an integer`},
		{map[string]string{"SERVER_PORT": "70000"}, "SERVER_PORT", "not a port"},
		{map[string]string{"SERVER_ID": "a b"}, "SERVER_ID", "bad node id"},
		{map[string]string{"BACKEND_URL": "ftp://x"}, "BACKEND_URL", "scheme must be http or https"},
		{map[string]string{"BACKEND_HOST_HEADER": "proxy"}, "BACKEND_HOST_HEADER", `"proxy" is unknown`},
		{map[string]string{"BACKEND_URL": "http://"}, "BACKEND_URL", "no host"},
		{map[string]string{"BACKEND_URL": "http://u:pw@h"}, "BACKEND_URL", "credentials"},
		{map[string]string{"BACKEND_URL": "http://[::1"}, "BACKEND_URL", "not a URL"},
		{map[string]string{"PROTOCOL": "mqtt"}, "PROTOCOL", `"mqtt" is unknown; use websocket, socketio or engineio`},
		{map[string]string{"BACKEND_URL": "https://backend"}, "BACKEND_URL", `"https" is not supported yet`},
		{map[string]string{"BACKEND_URL": "wss://backend"}, "BACKEND_URL", `"wss" is not supported yet`},
		{map[string]string{"PROTOCOL": "socket.io"}, "PROTOCOL", "did you mean socketio?"},
		{map[string]string{"PROTOCOL": "WebSockets"}, "PROTOCOL", "did you mean websocket?"},
		{map[string]string{"SERVER_ADDR": "localhost"}, "SERVER_ADDR", "not an IP address"},
		{map[string]string{"SERVER_ADDR": "127.0.0.1:3000"}, "SERVER_ADDR", "the port has its own variable"},
		{map[string]string{"METRICS_ADDR": "[::1]:9090"}, "METRICS_ADDR", "the port has its own variable"},
		{map[string]string{"METRICS_ADDR": "10.0.0.300"}, "METRICS_ADDR", "not an IP address"},
		{map[string]string{"PPROF": "true"}, "PPROF", "neither on nor off"},
		{map[string]string{"ADMIN_TOKEN": "fifteen-bytes!!"}, "ADMIN_TOKEN", "15 bytes"},
		{map[string]string{"CLUSTER_SECRET": "s"}, "CLUSTER_SECRET", "1 bytes"},
		{map[string]string{"OUTAGE_LOG_INTERVAL": "0s"}, "OUTAGE_LOG_INTERVAL", "positive"},
		{map[string]string{"MAX_CONNECTIONS": "-1"}, "MAX_CONNECTIONS", "negative"},
		{map[string]string{"MAX_PAYLOAD": "0"}, "MAX_PAYLOAD", "positive"},
		{map[string]string{"MAX_PAYLOAD": "1MB"}, "MAX_PAYLOAD", "not an integer"},
		{map[string]string{"WRITE_QUEUE_SIZE": "-5"}, "WRITE_QUEUE_SIZE", "positive"},
		{map[string]string{"WRITE_QUEUE_SIZE": "1000", "MAX_PAYLOAD": "990"}, "WRITE_QUEUE_SIZE", "cannot hold one message"},
		{map[string]string{"HANDSHAKE_TIMEOUT": "10"}, "HANDSHAKE_TIMEOUT", "Go duration"},
		{map[string]string{"HANDSHAKE_TIMEOUT": "-1s"}, "HANDSHAKE_TIMEOUT", "positive"},
		{map[string]string{"MIRROR_EVENTS": "join,,leave"}, "MIRROR_EVENTS", "entry 2: empty part: the event name is empty"},
		{map[string]string{"MIRROR_EVENTS": "join@room=a"}, "MIRROR_EVENTS", "payload match not allowed"},
		{map[string]string{"MIRROR_EVENT_REPLY": `"a b`}, "MIRROR_EVENT_REPLY", "is not closed"},
		{map[string]string{"LOCAL_EVENTS": "msg@from"}, "LOCAL_EVENTS", "expected name@field=value"},
		{map[string]string{"LOCAL_EVENTS": "msg@=x"}, "LOCAL_EVENTS", "the payload field is empty"},
		{map[string]string{"LOCAL_EVENTS": "msg@from="}, "LOCAL_EVENTS", "the value to match is empty"},
		{map[string]string{"LOCAL_EVENTS": "@from=x"}, "LOCAL_EVENTS", "the event name is empty"},
		{map[string]string{"EVENT_FIELD": " "}, "EVENT_FIELD", "JSON field"},
		{map[string]string{"HEALTH_PATH": "health"}, "HEALTH_PATH", "start with /"},
		{map[string]string{"DRAIN_TIMEOUT": "0s"}, "DRAIN_TIMEOUT", "positive"},
		{map[string]string{"HEARTBEAT_INTERVAL": "0s"}, "HEARTBEAT_INTERVAL", "positive"},
		{map[string]string{"HEARTBEAT_TTL": "1s"}, "HEARTBEAT_TTL", "longer than HEARTBEAT_INTERVAL"},
		{map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL", "unknown"},
		{map[string]string{"LOG_FORMAT": "xml"}, "LOG_FORMAT", "unknown"},
		{map[string]string{"DEMO_PORT": "-1"}, "DEMO_PORT", "not a port"},
		{map[string]string{"REDIS_PORT": "0"}, "REDIS_PORT", "not a port"},
		{map[string]string{"REDIS_PORT": "tcp://10.96.0.7:6379"}, "REDIS_PORT", "service link of a Service named redis: set enableServiceLinks: false"},
		{map[string]string{"SERVER_PORT": "tcp://10.96.0.9:80"}, "SERVER_PORT", "a Service named server"},
		{map[string]string{"REDIS_TLS": "yes"}, "REDIS_TLS", "not a boolean"},
		{map[string]string{"REDIS_TLS_REJECT_UNAUTHORIZED": "no"}, "REDIS_TLS_REJECT_UNAUTHORIZED", "not a boolean"},
		{map[string]string{"REDIS_ENABLED": "maybe"}, "REDIS_ENABLED", "not a boolean"},
		{map[string]string{"REDIS_ADAPTER_KEY": ""}, "", ""}, // empty means default: valid
		{map[string]string{"REDIS_ADAPTER_KEY": "a#b"}, "REDIS_ADAPTER_KEY", "bad key prefix"},
		{map[string]string{"REDIS_REQUESTS_TIMEOUT": "-1"}, "REDIS_REQUESTS_TIMEOUT", "positive"},
		{map[string]string{"REDIS_REQUESTS_TIMEOUT": "5s"}, "REDIS_REQUESTS_TIMEOUT", "not an integer"},
		{map[string]string{"REDIS_URL": "http://h"}, "REDIS_URL", "not redis or rediss"},
		{map[string]string{"REDIS_URL": "redis://"}, "REDIS_URL", "no host"},
		{map[string]string{"REDIS_URL": "redis://h/x"}, "REDIS_URL", "database number"},
		{map[string]string{"REDIS_URL": "redis://h:99999"}, "REDIS_URL", "bad port"},
		{map[string]string{"REDIS_URL": "redis://h:1/2", "REDIS_ENABLED": "false"}, "", ""}, // not used: not checked
		{map[string]string{"REDIS_URL": "redis://[::1"}, "REDIS_URL", "not a valid URL"},
		{map[string]string{"REDIS_URL": "redis://h?dial_timeout=1s"}, "REDIS_URL", "query options"},
		{map[string]string{"REDIS_URL": "redis://h#x"}, "REDIS_URL", "query options"},
		{map[string]string{"REDIS_HOST": "h", "REDIS_TLS_CA": "ca.pem"}, "REDIS_TLS", "TLS is off"},
		{map[string]string{"REDIS_HOST": "h", "REDIS_TLS": "true", "REDIS_TLS_CA": "/nonexistent/ca.pem"}, "REDIS_TLS_CA", "no such file"},
		{map[string]string{"REDIS_HOST": "h", "REDIS_TLS": "true", "REDIS_TLS_CERT": "c.pem"}, "REDIS_TLS_KEY", "REDIS_TLS_CERT is set without its key"},
		{map[string]string{"REDIS_HOST": "h", "REDIS_TLS": "true", "REDIS_TLS_KEY": "k.pem"}, "REDIS_TLS_CERT", "REDIS_TLS_KEY is set without its certificate"},
		{map[string]string{"REDIS_HOST": "h", "REDIS_TLS": "true", "REDIS_TLS_CERT": "/nonexistent/c", "REDIS_TLS_KEY": "/nonexistent/k"}, "REDIS_TLS_CERT", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.wantVar+"/"+fmtEnv(tt.env), func(t *testing.T) {
			_, err := Load(tt.env)
			if tt.wantVar == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrBadConfig) {
				t.Fatalf("error %v does not wrap ErrBadConfig", err)
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.Var != tt.wantVar {
				t.Fatalf("error %v does not name %s", err, tt.wantVar)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

func fmtEnv(env map[string]string) string {
	var parts []string
	for k, v := range env {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ",")
}

// TestConfigReportsEveryProblem: every bad variable is named, not just the
// first.
func TestConfigReportsEveryProblem(t *testing.T) {
	tests := []map[string]string{
		{"SERVER_PORT": "x", "MAX_PAYLOAD": "y"},        // both fail to parse
		{"LOG_FORMAT": "xml", "MAX_PAYLOAD": "-1"},      // both fail validation
		{"REDIS_ADAPTER_KEY": "{x}", "DEMO_PORT": "-2"}, // bus and ops checks
		{"SERVER_PORT": "http", "LOG_LEVEL": "loud"},    // a parse error and a check error
		{"HEARTBEAT_TTL": "soon", "BACKEND_URL": "https://h", "PROTOCOL": "mqtt", "ADMIN_TOKEN": "short"},
	}
	for _, env := range tests {
		t.Run(fmtEnv(env), func(t *testing.T) {
			_, err := Load(env)
			for name := range env {
				if err == nil || !strings.Contains(err.Error(), name) {
					t.Errorf("error %v does not name %s", err, name)
				}
			}
		})
	}
}

// FuzzBackendURL: BACKEND_URL either parses to an http(s) URL with a host
// and no credentials, or fails naming BACKEND_URL without showing the value
// when it may hold credentials.
func FuzzBackendURL(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:3001", "ws://h/base", "https://u:pw@h", "ftp://h", "http://", "http://[::1", "h:80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := parseBackendURL(raw)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "BACKEND_URL: ") {
				t.Fatalf("error %v does not name BACKEND_URL", err)
			}
			if strings.Contains(raw, "@") && strings.Contains(err.Error(), raw) {
				t.Fatalf("error shows a value with credentials: %v", err)
			}
			return
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			t.Fatalf("%q accepted as %#v", raw, u)
		}
	})
}

// independentVars are variables whose checks look at no other variable, so
// each one's errors must come out whatever else is set.
var independentVars = []string{"SERVER_PORT", "SERVER_ADDR", "METRICS_ADDR", "PPROF", "PROTOCOL", "BACKEND_URL",
	"LOG_LEVEL", "LOG_FORMAT", "HEALTH_PATH", "DEMO_PORT", "DRAIN_RATE", "ADMIN_TOKEN", "CLUSTER_SECRET", "HANDSHAKE_TIMEOUT"}

// namedVars is the set of variables err names.
func namedVars(err error) map[string]bool {
	out := map[string]bool{}
	if err == nil {
		return out
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		name, _, _ := strings.Cut(line, ":")
		out[name] = true
	}
	return out
}

// FuzzLoadOnePass: two variables set at once are reported as each one is
// alone (one pass: neither hides the other), every error line names a
// variable sidecast reads, and the same environment gives the same error.
func FuzzLoadOnePass(f *testing.F) {
	seeds := []struct {
		a, b       uint8
		valA, valB string
	}{
		{0, 6, "http", "loud"}, {0, 4, "3000x", "mqtt"}, {5, 11, "https://h", "short"},
		{1, 2, "localhost", "127.0.0.1:9090"}, {3, 12, "yes", "s"}, {13, 7, "10", "xml"}, {4, 9, "SocketIO", "-1"},
	}
	for _, s := range seeds {
		f.Add(s.a, s.valA, s.b, s.valB)
	}
	known := map[string]bool{}
	for _, s := range Settings() {
		known[s.Name] = true
	}
	f.Fuzz(func(t *testing.T, a uint8, valA string, b uint8, valB string) {
		nameA, nameB := independentVars[int(a)%len(independentVars)], independentVars[int(b)%len(independentVars)]
		if nameA == nameB {
			return
		}
		_, errBoth := Load(map[string]string{nameA: valA, nameB: valB})
		if errBoth != nil && !errors.Is(errBoth, ErrBadConfig) {
			t.Fatalf("error %v does not wrap ErrBadConfig", errBoth)
		}
		both := namedVars(errBoth)
		for name := range both {
			if !known[name] {
				t.Fatalf("error line names %q, not a variable: %v", name, errBoth)
			}
		}
		for _, one := range []struct{ name, value string }{{nameA, valA}, {nameB, valB}} {
			_, err := Load(map[string]string{one.name: one.value})
			if namedVars(err)[one.name] && !both[one.name] {
				t.Fatalf("%s=%q alone is an error (%v), but not with the other set: %v", one.name, one.value, err, errBoth)
			}
		}
		if _, again := Load(map[string]string{nameA: valA, nameB: valB}); fmt.Sprint(again) != fmt.Sprint(errBoth) {
			t.Fatalf("the same environment gave %v, then %v", errBoth, again)
		}
	})
}
