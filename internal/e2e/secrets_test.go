package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/sidecast/sidecast/examples/wschat"
	"github.com/sidecast/sidecast/internal/demo"
	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// Values that must never reach a log line.
const (
	secretRedisPW   = "p@ss/w0rd:Redis-Secret-9f2c"
	secretEnvPW     = "Env-Redis-Secret-41d7"
	secretAdmin     = "Admin-Token-Secret-77ab"
	secretWrongTok  = "Wrong-Admin-Secret-0c3e"
	secretCluster   = "Cluster-Secret-5e90"
	secretCookie    = "Cookie-Secret-a1b2"
	secretAuthValue = "Auth-Header-Secret-c3d4"
)

// TestSecretsNeverLogged runs the binary at LOG_LEVEL=debug with every
// secret configured, through a client connect/chat/disconnect carrying a
// cookie and an Authorization header, admin calls with the right and a
// wrong token, a Redis outage and its recovery, and a drain, then scans
// every line it wrote for every secret, raw and URL-escaped.
func TestSecretsNeverLogged(t *testing.T) {
	tests := []struct {
		name    string
		format  string
		redis   func(rs *redistest.Server) map[string]string
		cfg     redistest.Config
		refused bool // Redis refuses the credentials: the node stays degraded
	}{
		{"password in REDIS_URL", "json", func(rs *redistest.Server) map[string]string {
			u := url.URL{Scheme: "redis", User: url.UserPassword("app", secretRedisPW), Host: rs.Addr()}
			return map[string]string{"REDIS_URL": u.String(), "REDIS_PASSWORD": secretEnvPW}
		}, redistest.Config{Users: []string{"app on >" + secretRedisPW + " ~* &* +@all"}}, false},
		{"REDIS_PASSWORD", "text", func(rs *redistest.Server) map[string]string {
			return map[string]string{"REDIS_HOST": "127.0.0.1", "REDIS_PORT": strconv.Itoa(rs.Port()), "REDIS_PASSWORD": secretEnvPW}
		}, redistest.Config{Password: secretEnvPW}, false},
		{"refused credentials", "json", func(rs *redistest.Server) map[string]string {
			u := url.URL{Scheme: "redis", User: url.UserPassword("app", secretRedisPW), Host: rs.Addr()}
			return map[string]string{"REDIS_URL": u.String()}
		}, redistest.Config{Password: "the-right-one"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := redistest.Start(t, tt.cfg)
			chat := startChat(t)
			env := tt.redis(rs)
			mport := strconv.Itoa(testkit.FreePort(t))
			for k, v := range map[string]string{"LOG_LEVEL": "debug", "LOG_FORMAT": tt.format, "ADMIN_TOKEN": secretAdmin,
				"CLUSTER_SECRET": secretCluster, "METRICS_PORT": mport, "SERVER_ID": "secret-test",
				"HEARTBEAT_INTERVAL": "200ms", "HEARTBEAT_TTL": "1s", "REDIS_REQUESTS_TIMEOUT": "500", "DRAIN_RATE": "50"} {
				env[k] = v
			}
			p, base := startNodeProc(t, chat.URL, env)
			if tt.refused {
				p.waitOutput(&p.Stderr, `Redis is not usable yet`)
				exerciseSecrets(t, base, "http://127.0.0.1:"+mport)
				c := dialWithSecrets(t, base, "degraded")
				p.signal(syscall.SIGTERM)
				if code := p.exitCode(); code != 0 {
					t.Fatalf("exit code %d after the drain, want 0", code)
				}
				assertGoingAway(t, c)
				assertLogsClean(t, p.Stdout.String()+p.Stderr.String(), tt.format)
				return
			}
			waitRedis(t, base, true)
			exerciseSecrets(t, base, "http://127.0.0.1:"+mport)

			rs.Kill()
			waitRedis(t, base, false)
			p.waitOutput(&p.Stderr, `redis unavailable`)
			c := dialWithSecrets(t, base, "during-outage") // publishes fail while Redis is down
			rs.Restart()
			waitRedis(t, base, true)

			p.signal(syscall.SIGTERM)
			if code := p.exitCode(); code != 0 {
				t.Fatalf("exit code %d after the drain, want 0", code)
			}
			assertGoingAway(t, c)
			logs := p.Stdout.String() + p.Stderr.String()
			assertLogsClean(t, logs, tt.format)
		})
	}
}

// exerciseSecrets chats through the node with a cookie and an
// Authorization header, proxies a plain request with both, and calls the
// admin API with the right and a wrong token.
func exerciseSecrets(t *testing.T, base, ops string) {
	t.Helper()
	c := dialWithSecrets(t, base, "carol")
	c.Close()
	req, _ := http.NewRequest(http.MethodGet, base+"/rooms", nil)
	req.Header.Set("Cookie", "session="+secretCookie)
	req.Header.Set("Authorization", "Bearer "+secretAuthValue)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if code, _ := get(t, ops+"/admin/stats", secretAdmin); code != 200 {
		t.Fatalf("/admin/stats with the token: %d", code)
	}
	if code, _ := get(t, ops+"/admin/stats", secretWrongTok); code != 401 {
		t.Fatalf("/admin/stats with a wrong token: %d", code)
	}
}

// dialWithSecrets connects user with a cookie and an Authorization header,
// joins a room and hears its own message.
func dialWithSecrets(t *testing.T, base, user string) *demo.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), procWait)
	defer cancel()
	d := ws.Dialer{Header: ws.HandshakeHeaderHTTP(http.Header{
		"Cookie":        {"session=" + secretCookie},
		"Authorization": {"Bearer " + secretAuthValue},
	})}
	conn, br, _, err := d.Dial(ctx, demo.WSURL(base)+"/ws?user="+user)
	if err != nil {
		t.Fatalf("%s: %v", user, err)
	}
	c := demo.NewClient(conn, br)
	t.Cleanup(c.Close)
	text := "hello from " + user
	for _, m := range []wschat.Message{{Type: "join", Room: "s"}, {Type: "say", Room: "s", Text: text}} {
		if err := c.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	for {
		d, err := c.Next(ctx, demo.ScriptWait)
		if err != nil {
			t.Fatalf("%s: %v", user, err)
		}
		if d.Msg.Text == text {
			return c
		}
	}
}

// waitRedis polls the health path until its redis field is want.
func waitRedis(t *testing.T, base string, want bool) {
	t.Helper()
	took := testkit.WaitUntil(t, procWait, "health redis="+strconv.FormatBool(want), func() bool {
		h, _ := getHealth(base)
		return h["redis"] == want
	})
	t.Logf("health redis=%v after %v", want, took.Round(time.Millisecond))
}

// assertLogsClean fails when any secret, raw or URL-escaped, appears in
// logs, and checks the logs are the debug-level lines the scan needs.
func assertLogsClean(t *testing.T, logs, format string) {
	t.Helper()
	debug := `level=DEBUG`
	if format == "json" {
		debug = `"level":"DEBUG"`
	}
	lines := strings.Split(logs, "\n")
	if !strings.Contains(logs, debug) || len(lines) < 10 {
		t.Fatalf("expected debug-level logs to scan, got %d lines:\n%s", len(lines), logs)
	}
	if !strings.Contains(logs, "drained") {
		t.Fatalf("the logs do not show the drain:\n%s", logs)
	}
	for i, line := range lines {
		if line == "" {
			continue
		}
		structured := strings.HasPrefix(line, "time=")
		if format == "json" {
			structured = json.Valid([]byte(line))
		}
		if !structured {
			t.Errorf("log line %d is not a structured %s line: %s", i+1, format, line)
		}
	}
	for _, s := range []string{secretRedisPW, secretEnvPW, secretAdmin, secretWrongTok, secretCluster, secretCookie, secretAuthValue} {
		for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s), url.UserPassword("", s).String()[1:]} {
			for i, line := range lines {
				if strings.Contains(line, form) {
					t.Errorf("log line %d shows a secret (%q): %s", i+1, form, line)
				}
			}
		}
	}
	t.Logf("scanned %d log lines", len(lines))
}
