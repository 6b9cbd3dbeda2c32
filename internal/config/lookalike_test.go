package config

import (
	"reflect"
	"strings"
	"testing"
)

// lookalikeCases: names that look like sidecast's, with the one meant, and
// names a real pod's environment holds that must not be taken for
// sidecast's ("" wanted).
var lookalikeCases = []struct{ name, value, want string }{
	// Typos and near misses.
	{"REDIS_URI", "redis://cache:6379", "REDIS_URL"},
	{"MIRROR_EVENT", "join", "MIRROR_EVENTS"},
	{"SERVERPORT", "3000", "SERVER_PORT"},
	{"SERVER__PORT", "3000", "SERVER_PORT"},
	{"LOGLEVEL", "debug", "LOG_LEVEL"},
	{"LOG-LEVEL", "debug", "LOG_LEVEL"},
	{"log_level", "debug", "LOG_LEVEL"},
	{"protocol", "socketio", "PROTOCOL"},
	{"PROTCOL", "socketio", "PROTOCOL"},
	{"PROTOCLO", "socketio", "PROTOCOL"},
	{"BACKEND_ULR", "http://127.0.0.1:3001", "BACKEND_URL"},
	{"METRIC_PORT", "9090", "METRICS_PORT"},
	{"MIRRORS_EVENTS", "join", "MIRROR_EVENTS"},
	{"LOCAL_EVENT", "typing", "LOCAL_EVENTS"},
	{"HEARTBEAT_INTERVALL", "2s", "HEARTBEAT_INTERVAL"},
	{"REDIS_ADAPTOR_KEY", "chat", "REDIS_ADAPTER_KEY"},
	{"MAX_CONNECTION", "10", "MAX_CONNECTIONS"},
	{"MAX_CONNS_PER_IP", "10", "MAX_CONNECTIONS_PER_IP"},
	// Synonyms and names carried over from other tools.
	{"REDIS_PASS", "pw", "REDIS_PASSWORD"},
	{"REDIS_USER", "app", "REDIS_USERNAME"},
	{"REDIS_ADDR", "cache:6379", "REDIS_HOST"},
	{"REDIS_HOSTNAME", "cache", "REDIS_HOST"},
	{"SERVER_HOST", "127.0.0.1", "SERVER_ADDR"},
	{"SERVER_IP", "127.0.0.1", "SERVER_ADDR"},
	{"METRICS_ADDRESS", "0.0.0.0", "METRICS_ADDR"},
	{"METRICS_HOST", "0.0.0.0", "METRICS_ADDR"},
	{"REDIS_PREFIX", "chat", "REDIS_ADAPTER_KEY"},
	{"REDIS_DB", "2", "REDIS_URL"},
	{"BACKEND", "http://127.0.0.1:3001", "BACKEND_URL"},
	{"CLUSTER_SECRETS", "x", "CLUSTER_SECRET"},
	// A prefix sidecast does not use.
	{"SIDECAST_LOG_LEVEL", "debug", "LOG_LEVEL"},
	{"SIDECAST_REDIS_URL", "redis://cache", "REDIS_URL"},
	// sidecast's own names.
	{"REDIS_URL", "redis://cache", ""},
	{"PROTOCOL", "socketio", ""},
	{"SERVER_ADDR", "::1", ""},
	{"MIRROR_EVENT_REPLY", "joined", ""},
	// A pod's environment: the shell's, the image's, the downward API's,
	// Kubernetes' and the service links it injects for every service.
	{"PATH", "/usr/bin", ""},
	{"HOME", "/root", ""},
	{"HOSTNAME", "chat-7d9f", ""},
	{"PWD", "/", ""},
	{"USER", "app", ""},
	{"LANG", "C.UTF-8", ""},
	{"TERM", "xterm", ""},
	{"TZ", "UTC", ""},
	{"SHLVL", "1", ""},
	{"PORT", "8080", ""},
	{"DEBUG", "1", ""},
	{"NODE_ENV", "production", ""},
	{"NODE_OPTIONS", "--max-old-space-size=512", ""},
	{"NODE_NAME", "worker-1", ""},
	{"POD_NAME", "chat-7d9f", ""},
	{"POD_IP", "10.1.2.3", ""},
	{"POD_NAMESPACE", "chat", ""},
	{"HOST_IP", "10.0.0.5", ""},
	{"GOMAXPROCS", "2", ""},
	{"GOMEMLIMIT", "200MiB", ""},
	{"GODEBUG", "x=1", ""},
	{"GOTRACEBACK", "all", ""},
	{"HTTP_PROXY", "", ""},
	{"HTTPS_PROXY", "", ""},
	{"NO_PROXY", "localhost", ""},
	{"SSL_CERT_FILE", "/etc/ssl/cert.pem", ""},
	{"SSL_CERT_DIR", "/etc/ssl/certs", ""},
	{"KUBERNETES_SERVICE_HOST", "10.96.0.1", ""},
	{"KUBERNETES_SERVICE_PORT", "443", ""},
	{"KUBERNETES_SERVICE_PORT_HTTPS", "443", ""},
	{"KUBERNETES_PORT", "tcp://10.96.0.1:443", ""},
	{"KUBERNETES_PORT_443_TCP_ADDR", "10.96.0.1", ""},
	{"REDIS_SERVICE_HOST", "10.96.0.7", ""},
	{"REDIS_SERVICE_PORT", "6379", ""},
	{"REDIS_PORT_6379_TCP", "tcp://10.96.0.7:6379", ""},
	{"REDIS_PORT_6379_TCP_PROTO", "tcp", ""},
	{"REDIS_PORT_6379_TCP_PORT", "6379", ""},
	{"REDIS_PORT_6379_TCP_ADDR", "10.96.0.7", ""},
	{"REDIS_MASTER_SERVICE_HOST", "10.96.0.8", ""},
	{"REDIS_MASTER_PORT", "tcp://10.96.0.8:6379", ""},
	{"SERVERS_PORT", "tcp://10.96.0.9:80", ""},
	{"SIDECAST_PORT", "tcp://10.96.0.9:3000", ""},
	{"SIDECAST_SERVICE_PORT_HTTP", "3000", ""},
	{"METRICS_SERVICE_HOST", "10.96.0.10", ""},
	{"REDIS_VERSION", "7.0.15", ""},
	{"REDIS_DOWNLOAD_URL", "http://download.example/redis.tar.gz", ""},
	{"CHAT_SERVER_URL", "http://chat", ""},
	{"DATABASE_URL", "postgres://db", ""},
	{"SECRET_KEY", "x", ""},
	{"LOG_DIR", "/var/log", ""},
}

func TestLookalike(t *testing.T) {
	for _, tt := range lookalikeCases {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := lookalike(tt.name, tt.value)
			if got != tt.want || ok != (tt.want != "") {
				t.Fatalf("lookalike(%q) = %q, %v; want %q", tt.name, got, ok, tt.want)
			}
		})
	}
}

// TestKnownNamesAreApart: no two of sidecast's names share a canonical
// form, or a look-alike of one could be taken for the other.
func TestKnownNamesAreApart(t *testing.T) {
	seen := map[string]string{}
	for _, s := range Settings() {
		c := canonical(s.Name)
		if other, ok := seen[c]; ok {
			t.Errorf("%s and %s have the same canonical form %q", s.Name, other, c)
		}
		seen[c] = s.Name
	}
	for alias, meant := range nameAliases {
		if _, ok := seen[canonical(alias)]; ok {
			t.Errorf("alias %s is one of sidecast's names", alias)
		}
		if seen[canonical(meant)] != meant {
			t.Errorf("alias %s points at %s, not a sidecast variable", alias, meant)
		}
	}
}

// TestLookalikeWarnings: one warning per look-alike, in name order, each
// naming the variable and the one meant, never the value.
func TestLookalikeWarnings(t *testing.T) {
	environ := map[string]string{"SERVERPORT": "3000", "REDIS_URI": "redis://:Pa55w0rd@cache", "PATH": "/bin",
		"SIDECAST_NOTHING": "1", "SIDECAST_PORT": "tcp://10.96.0.9:3000", "SERVER_PORT": "3000"}
	cfg := mustLoad(t, environ)
	var got []string
	for _, w := range cfg.Warnings {
		got = append(got, w.Var)
		if strings.Contains(w.Message, "Pa55w0rd") {
			t.Errorf("warning %q shows the value", w.Message)
		}
	}
	if want := []string{"REDIS_URI", "SERVERPORT", "SIDECAST_NOTHING"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("warnings about %v, want %v", got, want)
	}
	for i, meant := range []string{"did you mean REDIS_URL?", "did you mean SERVER_PORT?", "sidecast --help"} {
		if !strings.Contains(cfg.Warnings[i].Message, meant) {
			t.Errorf("warning %q does not say %q", cfg.Warnings[i].Message, meant)
		}
	}
}

// TestDoubtfulSettings: settings that start but cannot be right warn.
func TestDoubtfulSettings(t *testing.T) {
	cluster := map[string]string{"PROTOCOL": "socketio", "REDIS_URL": "redis://127.0.0.1:6390"}
	tests := []struct {
		name  string
		extra map[string]string
		want  []string // warned variables
	}{
		{"socketio cluster without MIRROR_EVENTS", nil, []string{"MIRROR_EVENTS"}},
		{"with MIRROR_EVENTS", map[string]string{"MIRROR_EVENTS": "join_room"}, nil},
		{"single node", map[string]string{"REDIS_ENABLED": "false"}, nil},
		{"mirrors off", map[string]string{"MIRRORS": "off"}, nil},
		{"websocket", map[string]string{"PROTOCOL": "websocket"}, nil},
		{"PROTOCOL in capitals", map[string]string{"PROTOCOL": "SocketIO"}, []string{"MIRROR_EVENTS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range cluster {
				env[k] = v
			}
			for k, v := range tt.extra {
				env[k] = v
			}
			var got []string
			for _, w := range mustLoad(t, env).Warnings {
				got = append(got, w.Var)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("warnings about %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b  string
		limit int
		want  int
	}{
		{"", "", 2, 0},
		{"abc", "abc", 2, 0},
		{"abc", "abd", 2, 1},
		{"abc", "acb", 2, 1}, // a swap of neighbours is one edit
		{"abc", "ab", 2, 1},
		{"kitten", "sitting", 5, 3},
		{"kitten", "sitting", 2, 3}, // beyond the limit: limit+1
		{"a", "abcdef", 2, 3},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b, tt.limit); got != tt.want {
			t.Errorf("editDistance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.limit, got, tt.want)
		}
	}
}

// FuzzLookalike: a suggestion is always one of sidecast's names and never
// the name itself; sidecast's names are never suggested away; the answer
// does not change between calls.
func FuzzLookalike(f *testing.F) {
	for _, tt := range lookalikeCases {
		f.Add(tt.name, tt.value)
	}
	known := map[string]bool{}
	for _, s := range Settings() {
		known[s.Name] = true
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		meant, ok := lookalike(name, value)
		if !ok {
			if meant != "" {
				t.Fatalf("lookalike(%q) = %q without ok", name, meant)
			}
			return
		}
		if known[name] {
			t.Fatalf("sidecast's own %s suggested as %s", name, meant)
		}
		if !known[meant] || meant == name {
			t.Fatalf("lookalike(%q) = %q, not another sidecast variable", name, meant)
		}
		if again, _ := lookalike(name, value); again != meant {
			t.Fatalf("lookalike(%q) = %q, then %q", name, meant, again)
		}
	})
}

// FuzzEditDistance: the distance is symmetric, zero only for equal
// strings, and never more than limit+1.
func FuzzEditDistance(f *testing.F) {
	f.Add("REDISURI", "REDISURL", 2)
	f.Add("PROTOCLO", "PROTOCOL", 1)
	f.Add("", "x", 0)
	f.Fuzz(func(t *testing.T, a, b string, limit int) {
		if limit < 0 || limit > 8 || len(a) > 64 || len(b) > 64 {
			return
		}
		d := editDistance(a, b, limit)
		if d != editDistance(b, a, limit) {
			t.Fatalf("asymmetric for %q, %q", a, b)
		}
		if (d == 0) != (a == b) || d > limit+1 || d < 0 {
			t.Fatalf("editDistance(%q, %q, %d) = %d", a, b, limit, d)
		}
	})
}
