package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/sidecast/sidecast/examples/wschat"
	"github.com/sidecast/sidecast/internal/demo"
	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// TestRedisStartupFaults runs the binary against Redis servers that cannot
// be used yet (docs/design.md, Interface decisions: Redis at start-up): the node starts degraded,
// proxies locally, logs an error naming the cause when the outage starts and
// summaries naming it while it lasts, and joins once the fault is repaired.
func TestRedisStartupFaults(t *testing.T) {
	tests := []struct {
		name   string
		server func(t *testing.T) (*redistest.Server, map[string]string)
		cause  string // a regexp the retry lines must match
		repair func(t *testing.T, s *redistest.Server)
	}{
		{"unreachable", func(t *testing.T) (*redistest.Server, map[string]string) {
			s := redistest.Start(t, redistest.Config{})
			s.Kill()
			return s, map[string]string{"REDIS_URL": s.URL()}
		}, `connection refused`, func(t *testing.T, s *redistest.Server) { s.Restart() }},
		{"wrong password", func(t *testing.T) (*redistest.Server, map[string]string) {
			s := redistest.Start(t, redistest.Config{Password: "Right-pw-1"})
			return s, map[string]string{"REDIS_URL": s.URL(), "REDIS_PASSWORD": "Wr0ng-pw-2"}
		}, `WRONGPASS|invalid username-password`, func(t *testing.T, s *redistest.Server) {
			setPassword(t, s.Addr(), "Right-pw-1", "Wr0ng-pw-2")
		}},
		{"untrusted certificate", func(t *testing.T) (*redistest.Server, map[string]string) {
			certs := redistest.GenerateCerts(t)
			s := redistest.Start(t, redistest.Config{TLS: certs})
			return s, map[string]string{"REDIS_URL": s.URL(), "REDIS_TLS_CA": certs.OtherCAFile}
		}, `x509: certificate signed by unknown authority`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chat := startChat(t)
			s, env := tt.server(t)
			env["REDIS_REQUESTS_TIMEOUT"] = "500"
			env["HEARTBEAT_INTERVAL"] = "200ms"
			env["HEARTBEAT_TTL"] = "2s"
			env["OUTAGE_LOG_INTERVAL"] = "300ms"
			p, base := startNodeProc(t, chat.URL, env)
			p.waitOutput(&p.Stderr, `Redis is not usable yet.*(`+tt.cause+`)`)
			retry := regexp.MustCompile(`redis (still )?unavailable.*(` + tt.cause + `)`)
			testkit.WaitUntil(t, procWait, "the outage's start and a summary, naming the cause", func() bool {
				return len(retry.FindAllString(p.Stderr.String(), 3)) >= 2
			})
			if h, code := getHealth(base); code != http.StatusOK || h["status"] != "degraded" || h["redis"] != false {
				t.Fatalf("health %d %v, want 200 degraded redis:false", code, h)
			}
			chatLocally(t, base, "solo")
			if tt.repair == nil {
				return
			}
			tt.repair(t, s)
			took := testkit.WaitUntil(t, procWait, "the node to join once Redis is repaired", func() bool {
				h, _ := getHealth(base)
				return h["status"] == "ok" && h["redis"] == true
			})
			t.Logf("joined %s after the repair", took)
		})
	}
}

// TestRedisTLSOptOutWarns: REDIS_TLS_REJECT_UNAUTHORIZED=false works against
// a certificate the node cannot verify, and says loudly that it does not.
func TestRedisTLSOptOutWarns(t *testing.T) {
	certs := redistest.GenerateCerts(t)
	s := redistest.Start(t, redistest.Config{TLS: certs})
	chat := startChat(t)
	p, base := startNodeProc(t, chat.URL, map[string]string{
		"REDIS_URL": s.URL(), "REDIS_TLS_CA": certs.OtherCAFile, "REDIS_TLS_REJECT_UNAUTHORIZED": "false",
	})
	p.waitOutput(&p.Stderr, `level=WARN.*REDIS_TLS_REJECT_UNAUTHORIZED=false.*NOT verified`)
	testkit.WaitUntil(t, procWait, "health to report Redis", func() bool {
		h, _ := getHealth(base)
		return h["redis"] == true && h["status"] == "ok"
	})
}

// TestRedisConfigErrorsExitTwo: configuration errors about Redis stop the
// binary with exit code 2 and a message naming the variable.
func TestRedisConfigErrorsExitTwo(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	certs := redistest.GenerateCerts(t)
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"bad scheme", map[string]string{"REDIS_URL": "http://cache:6379"}, "REDIS_URL"},
		{"bad port", map[string]string{"REDIS_URL": "redis://cache:99999"}, "REDIS_URL"},
		{"CA is not PEM", map[string]string{"REDIS_URL": "rediss://127.0.0.1:6390", "REDIS_TLS_CA": notPEM}, "REDIS_TLS_CA"},
		{"unreadable client cert", map[string]string{"REDIS_URL": "rediss://127.0.0.1:6390",
			"REDIS_TLS_CERT": filepath.Join(dir, "missing.pem"), "REDIS_TLS_KEY": certs.ClientKey}, "REDIS_TLS_CERT"},
		{"unreadable client key", map[string]string{"REDIS_URL": "rediss://127.0.0.1:6390",
			"REDIS_TLS_CERT": certs.ClientCert, "REDIS_TLS_KEY": filepath.Join(dir, "missing-key.pem")}, "REDIS_TLS_KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startProc(t, tt.env)
			if code := p.exitCode(); code != 2 {
				t.Fatalf("exit code %d, want 2; stderr:\n%s", code, p.Stderr.String())
			}
			if !strings.Contains(p.Stderr.String(), tt.want) {
				t.Fatalf("stderr does not name %s:\n%s", tt.want, p.Stderr.String())
			}
		})
	}
}

// setPassword changes requirepass from old to pw.
func setPassword(t *testing.T, addr, old, pw string) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, Password: old})
	defer c.Close()
	if err := c.ConfigSet(context.Background(), "requirepass", pw).Err(); err != nil {
		t.Fatalf("CONFIG SET requirepass: %v", err)
	}
}

// chatLocally joins a room through base and checks the backend answers:
// local delivery works whatever the bus does.
func chatLocally(t *testing.T, base, user string) {
	t.Helper()
	ctx := context.Background()
	c, err := demo.Dial(ctx, demo.WSURL(base), user)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Send(wschat.Message{Type: "join", Room: "local"}); err != nil {
		t.Fatal(err)
	}
	for {
		d, err := c.Next(ctx, demo.ScriptWait)
		if err != nil {
			t.Fatalf("%s: no joined reply while degraded: %v", user, err)
		}
		if d.Msg.Type == "joined" && d.Msg.User == user {
			return
		}
	}
}
