package e2e

import (
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
)

// configBlock is the "configuration error" block on stderr: the variable
// named by each of its lines.
func configBlock(t *testing.T, stderr string) []string {
	t.Helper()
	_, block, ok := strings.Cut(stderr, "sidecast: configuration error")
	if !ok {
		t.Fatalf("stderr has no configuration error block:\n%s", stderr)
	}
	var names []string
	for _, line := range strings.Split(block, "\n")[1:] {
		if !strings.HasPrefix(line, "  ") {
			break
		}
		name, _, _ := strings.Cut(strings.TrimSpace(line), ":")
		names = append(names, name)
	}
	return names
}

// TestConfigErrorsInOnePass: every bad variable is named in the one
// configuration error block, whether the environment parser, a check or
// the proxy refuses it, and the exit code is 2; nothing else is printed.
func TestConfigErrorsInOnePass(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string // variables the block names, in any order
		hide []string // values that must not show (secrets)
	}{
		{"parse and check errors together",
			map[string]string{"SERVER_PORT": "http", "LOG_LEVEL": "loud", "HEARTBEAT_TTL": "soon", "MAX_PAYLOAD": "-1"},
			[]string{"SERVER_PORT", "LOG_LEVEL", "HEARTBEAT_TTL", "MAX_PAYLOAD"}, nil},
		{"a backend the proxy refuses", map[string]string{"BACKEND_URL": "https://127.0.0.1:3001"},
			[]string{"BACKEND_URL"}, nil},
		{"every kind at once",
			map[string]string{"SERVER_PORT": "3000x", "BACKEND_URL": "wss://127.0.0.1:3001", "PROTOCOL": "mqtt",
				"METRICS_ADDR": "example.invalid", "ADMIN_TOKEN": "short-tok", "CLUSTER_SECRET": "tiny-secret", "REDIS_TLS": "maybe"},
			[]string{"SERVER_PORT", "BACKEND_URL", "PROTOCOL", "METRICS_ADDR", "ADMIN_TOKEN", "CLUSTER_SECRET", "REDIS_TLS"},
			[]string{"short-tok", "tiny-secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startProc(t, tt.env)
			if code := p.exitCode(); code != 2 {
				t.Fatalf("exit code %d, want 2", code)
			}
			stderr := p.Stderr.String()
			got := configBlock(t, stderr)
			for _, name := range tt.want {
				if !strings.Contains(strings.Join(got, " "), name) {
					t.Errorf("the block names %v, not %s:\n%s", got, name, stderr)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("the block has %d lines, want %d:\n%s", len(got), len(tt.want), stderr)
			}
			for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
				if strings.HasPrefix(line, "{") || strings.Contains(line, "level=") {
					t.Errorf("a log line besides the block: %s", line)
				}
			}
			for _, secret := range tt.hide {
				if strings.Contains(stderr+p.Stdout.String(), secret) {
					t.Errorf("the output shows the secret %q", secret)
				}
			}
		})
	}
}

// TestUsageErrors: a bad command line prints the error and one line that
// points at --help (not the whole help), and exits 2.
func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"serve-me"}, {"--verbose"}, {"demo", "now"}, {"version", "--short"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			p := startProc(t, nil, args...)
			if code := p.exitCode(); code != 2 {
				t.Fatalf("exit code %d, want 2", code)
			}
			lines := strings.Split(strings.TrimRight(p.Stderr.String(), "\n"), "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[0], "sidecast: ") || !strings.Contains(lines[1], "sidecast --help") {
				t.Fatalf("stderr is not the error and a pointer to --help:\n%s", p.Stderr.String())
			}
			if p.Stdout.String() != "" {
				t.Fatalf("stdout %q, want nothing", p.Stdout.String())
			}
		})
	}
}

// TestHelpDescribesTheDemo: --help says what the demo really runs.
func TestHelpDescribesTheDemo(t *testing.T) {
	p := startProc(t, nil, "--help")
	if code := p.exitCode(); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	out := p.Stdout.String()
	line := regexp.MustCompile(`(?m)^  sidecast demo .*(\n {6,}.*)*`).FindString(out)
	for _, want := range []string{"two", "REDIS_URL"} {
		if !strings.Contains(line, want) {
			t.Errorf("the demo's line %q does not mention %q", line, want)
		}
	}
	if strings.Contains(line, "no Redis") {
		t.Errorf("the demo's line still says %q", line)
	}
}

// TestLookalikeVariablesWarn: a variable that looks like one of sidecast's
// but is not gets one start-up warning naming the likely one; what a real
// pod's environment holds besides (Kubernetes service links, the downward
// API, the shell's) gets none.
func TestLookalikeVariablesWarn(t *testing.T) {
	env := map[string]string{
		"SERVER_PORT": strconv.Itoa(testkit.FreePort(t)), "BACKEND_URL": "http://127.0.0.1:1", "LOG_FORMAT": "text",
		"REDIS_URI": "redis://127.0.0.1:1", "MIRROR_EVENT": "join", "SERVERPORT": "3000", "protocol": "socketio",
		"SIDECAST_LOG_LEVEL": "debug",
	}
	noise := map[string]string{
		"HOSTNAME": "chat-7d9f", "KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_PORT": "tcp://10.96.0.1:443",
		"KUBERNETES_PORT_443_TCP_ADDR": "10.96.0.1", "REDIS_SERVICE_HOST": "10.96.0.7", "REDIS_SERVICE_PORT": "6379",
		"REDIS_PORT_6379_TCP": "tcp://10.96.0.7:6379", "REDIS_PORT_6379_TCP_ADDR": "10.96.0.7",
		"SIDECAST_SERVICE_PORT_HTTP": "3000", "POD_NAME": "chat-7d9f", "POD_IP": "10.1.2.3", "NODE_NAME": "worker-1",
		"LANG": "C.UTF-8", "TERM": "xterm", "TZ": "UTC", "GOMAXPROCS": "2", "GOMEMLIMIT": "200MiB", "NODE_ENV": "production",
		"HTTP_PROXY": "", "NO_PROXY": "localhost", "SSL_CERT_FILE": "/etc/ssl/cert.pem",
	}
	for k, v := range noise {
		env[k] = v
	}
	p := startProc(t, env)
	p.waitOutput(&p.Stderr, `sidecast listening`)
	logs := p.Stderr.String()
	for name, want := range map[string]string{"REDIS_URI": "REDIS_URL", "MIRROR_EVENT": "MIRROR_EVENTS",
		"SERVERPORT": "SERVER_PORT", "protocol": "PROTOCOL", "SIDECAST_LOG_LEVEL": "LOG_LEVEL"} {
		re := regexp.MustCompile(`(?m)^.*level=WARN.*did you mean ` + want + `\?.*variable=` + name + `( |$)`)
		if n := len(re.FindAllString(logs, -1)); n != 1 {
			t.Errorf("%d warnings that %s may mean %s, want 1", n, name, want)
		}
	}
	for name := range noise {
		if strings.Contains(logs, "variable="+name+" ") {
			t.Errorf("a warning about %s, which is not sidecast's", name)
		}
	}
}

// TestBackendOutageLogRate: a backend that is not there at start is logged
// at once, then at most once per OUTAGE_LOG_INTERVAL (by the lines' own
// times, so a loaded machine cannot blur it), and once when it answers.
func TestBackendOutageLogRate(t *testing.T) {
	// Longer than the watch's probe period (a second), so a line per probe
	// would break the spacing checked below.
	const interval = 1500 * time.Millisecond
	backendPort := testkit.FreePort(t)
	p := startProc(t, map[string]string{"SERVER_PORT": strconv.Itoa(testkit.FreePort(t)), "LOG_FORMAT": "text",
		"BACKEND_URL": "http://127.0.0.1:" + strconv.Itoa(backendPort), "OUTAGE_LOG_INTERVAL": interval.String()})
	p.waitOutput(&p.Stderr, `backend unreachable at start`)
	testkit.WaitUntil(t, procWait, "three outage summaries", func() bool {
		return strings.Count(p.Stderr.String(), "backend still unreachable") >= 3
	})
	times := outageLineTimes(t, p.Stderr.String())
	if len(times) < 4 {
		t.Fatalf("%d outage lines, want the start-up line and three summaries:\n%s", len(times), p.Stderr.String())
	}
	for i := 1; i < len(times); i++ {
		// The watch compares the times of its probes; the lines' times
		// follow them by the time it takes to log, hence a little slack.
		if gap := times[i].Sub(times[i-1]); gap < interval-100*time.Millisecond {
			t.Fatalf("outage lines %d and %d are %v apart, less than OUTAGE_LOG_INTERVAL %v:\n%s", i-1, i, gap, interval, p.Stderr.String())
		}
	}
	if n := strings.Count(p.Stderr.String(), "backend unreachable at start"); n != 1 {
		t.Fatalf("%d start-up lines, want 1", n)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(backendPort))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p.waitOutput(&p.Stderr, `backend reachable again`)
}

// outageLineTimes are the logged times of the backend outage lines.
func outageLineTimes(t *testing.T, logs string) []time.Time {
	t.Helper()
	var out []time.Time
	for _, m := range regexp.MustCompile(`(?m)^time=(\S+) .*msg="backend (unreachable at start|still unreachable)`).FindAllStringSubmatch(logs, -1) {
		at, err := time.Parse(time.RFC3339Nano, m[1])
		if err != nil {
			t.Fatalf("log time %q: %v", m[1], err)
		}
		out = append(out, at)
	}
	return out
}

// TestSocketIOClusterWithoutMirrorEventsWarns: on a cluster, PROTOCOL=socketio
// without MIRROR_EVENTS starts with a warning that rooms will differ.
func TestSocketIOClusterWithoutMirrorEventsWarns(t *testing.T) {
	p := startProc(t, map[string]string{"SERVER_PORT": strconv.Itoa(testkit.FreePort(t)), "LOG_FORMAT": "text",
		"PROTOCOL": "SocketIO", "REDIS_URL": "redis://127.0.0.1:" + strconv.Itoa(testkit.FreePort(t))})
	p.waitOutput(&p.Stderr, `level=WARN msg="configuration: PROTOCOL=socketio on a cluster \(Redis\) with no MIRROR_EVENTS: rooms .*variable=MIRROR_EVENTS`)
}
