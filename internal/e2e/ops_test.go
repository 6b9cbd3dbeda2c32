package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sidecast/sidecast/examples/wschat"
	"github.com/sidecast/sidecast/internal/demo"
	"github.com/sidecast/sidecast/internal/ops"
	"github.com/sidecast/sidecast/internal/testkit"
)

// TestHealthAndProbes: HEALTH_PATH's JSON and status code, /readyz and
// /livez, for a node that is fine, one whose Redis is down (degraded, still
// ready), one whose backend is down, one with both down and one that
// drains. The body's status always agrees with the code, and /readyz names
// the same status.
func TestHealthAndProbes(t *testing.T) {
	chat := startChat(t)
	closed := strconv.Itoa(testkit.FreePort(t))
	tests := []struct {
		name      string
		env       map[string]string
		drain     bool
		code      int
		status    string
		backend   bool
		readyCode int
	}{
		{"ok", map[string]string{"BACKEND_URL": chat.URL}, false, 200, "ok", true, 200},
		{"redis down", map[string]string{"BACKEND_URL": chat.URL,
			"REDIS_URL": "redis://127.0.0.1:" + closed, "REDIS_REQUESTS_TIMEOUT": "200"}, false, 200, "degraded", true, 200},
		{"backend down", map[string]string{"BACKEND_URL": "http://127.0.0.1:" + closed}, false, 503, "backend_down", false, 503},
		{"backend and redis down", map[string]string{"BACKEND_URL": "http://127.0.0.1:" + closed,
			"REDIS_URL": "redis://127.0.0.1:" + closed, "REDIS_REQUESTS_TIMEOUT": "200"}, false, 503, "backend_down", false, 503},
		{"draining", map[string]string{"BACKEND_URL": chat.URL}, true, 503, "draining", true, 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			on := startOpsNode(t, tt.env)
			if tt.drain {
				if err := on.n.Ops().Drain(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			code, body := get(t, on.base+"/health", "")
			var h map[string]any
			if err := json.Unmarshal([]byte(body), &h); err != nil {
				t.Fatalf("health body %q: %v", body, err)
			}
			if code != tt.code || h["status"] != tt.status || h["backend"] != tt.backend {
				t.Fatalf("health %d %v; want %d status=%s backend=%v", code, h, tt.code, tt.status, tt.backend)
			}
			if h["redis"] != false || h["serverId"] != "ops-test" || h["connections"] != float64(0) || h["mirrors"] != float64(0) {
				t.Fatalf("health fields %v", h)
			}
			if _, err := time.Parse(time.RFC3339Nano, h["timestamp"].(string)); err != nil {
				t.Fatalf("timestamp: %v", err)
			}
			if code, body := get(t, on.ops+"/readyz", ""); code != tt.readyCode || !strings.Contains(body, tt.status) {
				t.Fatalf("/readyz %d %q, want %d naming %s", code, body, tt.readyCode, tt.status)
			}
			if code, body := get(t, on.ops+"/livez", ""); code != 200 || body != "ok\n" {
				t.Fatalf("/livez %d %q", code, body)
			}
		})
	}
}

// TestHealthFollowsBackend: the cached probe notices a backend that stops
// and comes back, within a few probe periods.
func TestHealthFollowsBackend(t *testing.T) {
	chat := startChat(t)
	on := startOpsNode(t, map[string]string{"BACKEND_URL": chat.URL})
	if code, _ := get(t, on.base+"/health", ""); code != 200 {
		t.Fatalf("health %d with the backend up", code)
	}
	chat.Close()
	took := testkit.WaitUntil(t, procWait, "health 503 once the backend is gone", func() bool {
		code, _ := get(t, on.base+"/health", "")
		return code == http.StatusServiceUnavailable
	})
	t.Logf("backend loss seen after %v (probe TTL %v)", took, ops.BackendProbeTTL)
	if code, _ := get(t, on.ops+"/readyz", ""); code != 503 {
		t.Fatalf("/readyz %d with the backend down", code)
	}
}

// TestAdminAuth: every admin path answers 403 while ADMIN_TOKEN is unset,
// 401 without or with a wrong token, 200 with the right one.
func TestAdminAuth(t *testing.T) {
	chat := startChat(t)
	const token = "s3cr3t-admin-token"
	off := startOpsNode(t, map[string]string{"BACKEND_URL": chat.URL, "PPROF": "on"})
	on := startOpsNode(t, map[string]string{"BACKEND_URL": chat.URL, "ADMIN_TOKEN": token, "PPROF": "on"})
	paths := []string{"/admin/stats", "/admin/redis-metrics", "/admin/debug", "/debug/pprof/", "/debug/pprof/cmdline"}
	tests := []struct {
		name  string
		node  *opsNode
		auth  string // the Authorization header; "" sends none
		wantC int
	}{
		{"unset, no token", off, "", 403},
		{"unset, any token", off, "Bearer " + token, 403},
		{"missing", on, "", 401},
		{"wrong", on, "Bearer not-" + token, 401},
		{"prefix of the token", on, "Bearer " + token[:5], 401},
		{"basic scheme", on, "Basic " + token, 401},
		{"right", on, "Bearer " + token, 200},
		{"right, scheme in lower case", on, "bearer " + token, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, p := range paths {
				req, _ := http.NewRequest(http.MethodGet, tt.node.ops+p, nil)
				if tt.auth != "" {
					req.Header.Set("Authorization", tt.auth)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				_ = resp.Body.Close()
				if resp.StatusCode != tt.wantC {
					t.Errorf("%s: %d, want %d", p, resp.StatusCode, tt.wantC)
				}
			}
		})
	}
	// The probes and metrics need no token.
	for _, p := range []string{"/metrics", "/livez", "/readyz"} {
		if code, _ := get(t, off.ops+p, ""); code != 200 {
			t.Errorf("%s without a token: %d", p, code)
		}
	}
}

// TestAdminContents: with a client connected, the admin API reports it.
func TestAdminContents(t *testing.T) {
	chat := startChat(t)
	const token = "tok-admin-contents"
	on := startOpsNode(t, map[string]string{"BACKEND_URL": chat.URL, "ADMIN_TOKEN": token})
	c, err := demo.Dial(context.Background(), demo.WSURL(on.base), "ann")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	testkit.WaitUntil(t, procWait, "the session to count", func() bool { return on.n.Sessions() == 1 })

	var st map[string]any
	decodeAdmin(t, on.ops+"/admin/stats", token, &st)
	cluster, _ := st["cluster"].(map[string]any)
	if st["serverId"] != "ops-test" || st["connections"] != float64(1) || st["status"] != "ok" || cluster == nil {
		t.Fatalf("/admin/stats = %v", st)
	}
	if !hasKeyFold(cluster, "barrierTimeouts") {
		t.Fatalf("/admin/stats cluster lacks barrierTimeouts: %v", cluster)
	}
	var dbg ops.DebugInfo
	decodeAdmin(t, on.ops+"/admin/debug", token, &dbg)
	if dbg.LocalConnections != 1 || dbg.ServerID != "ops-test" || dbg.RedisStatus || !dbg.Backend || dbg.Draining {
		t.Fatalf("/admin/debug = %+v", dbg)
	}
	var rm ops.RedisMetrics
	decodeAdmin(t, on.ops+"/admin/redis-metrics", token, &rm)
	if rm.Enabled || rm.KeyPrefix != "socket.io" {
		t.Fatalf("/admin/redis-metrics on the in-memory bus = %+v", rm)
	}
}

func hasKeyFold(m map[string]any, key string) bool {
	for k := range m {
		if strings.EqualFold(k, key) {
			return true
		}
	}
	return false
}

func decodeAdmin(t *testing.T, url, token string, v any) {
	t.Helper()
	code, body := get(t, url, token)
	if code != 200 {
		t.Fatalf("%s: %d %s", url, code, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("%s: %v in %q", url, err, body)
	}
}

// TestMetricsMoveWithFrames: scrape, relay messages through a real session
// to the example backend, scrape again: the session and frame counters move.
func TestMetricsMoveWithFrames(t *testing.T) {
	chat := startChat(t)
	on := startOpsNode(t, map[string]string{"BACKEND_URL": chat.URL})
	before := scrape(t, on.ops)
	const (
		conns   = "socketio_connections_total"
		wsSess  = `sidecast_sessions{protocol="websocket",transport="websocket"}`
		toBack  = `sidecast_frames_relayed_total{direction="to_backend"}`
		toCli   = `sidecast_frames_relayed_total{direction="to_client"}`
		bytesTo = `sidecast_bytes_relayed_total{direction="to_backend"}`
		opened  = "sidecast_sessions_opened_total"
	)
	if sample(t, before, conns) != 0 || sample(t, before, wsSess) != 0 {
		t.Fatalf("sessions before any client: %v %v", before[conns], before[wsSess])
	}
	ctx := context.Background()
	c, err := demo.Dial(ctx, demo.WSURL(on.base), "bob")
	if err != nil {
		t.Fatal(err)
	}
	const says = 5
	if err := c.Send(wschat.Message{Type: "join", Room: "m"}); err != nil {
		t.Fatal(err)
	}
	for i := range says {
		if err := c.Send(wschat.Message{Type: "say", Room: "m", Text: "hello " + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	got := 0
	for got < says {
		d, err := c.Next(ctx, demo.ScriptWait)
		if err != nil {
			t.Fatalf("after %d messages: %v", got, err)
		}
		if strings.HasPrefix(d.Msg.Text, "hello ") {
			got++
		}
	}
	during := scrape(t, on.ops)
	if sample(t, during, conns) != 1 || sample(t, during, wsSess) != 1 || sample(t, during, opened)-before[opened] != 1 {
		t.Fatalf("while connected: %s=%v %s=%v", conns, during[conns], wsSess, during[wsSess])
	}
	if d := sample(t, during, toBack) - sample(t, before, toBack); d < says+1 {
		t.Fatalf("%s moved by %v, want at least %d", toBack, d, says+1)
	}
	if d := sample(t, during, toCli) - sample(t, before, toCli); d < says {
		t.Fatalf("%s moved by %v, want at least %d", toCli, d, says)
	}
	if d := sample(t, during, bytesTo) - sample(t, before, bytesTo); d < float64(says*len(`{"type":"say"}`)) {
		t.Fatalf("%s moved by %v", bytesTo, d)
	}
	c.Close()
	testkit.WaitUntil(t, procWait, "the gauge to fall back", func() bool { return scrape(t, on.ops)[conns] == 0 })
	for _, name := range []string{`sidecast_barrier_timeouts_total`, `sidecast_mirrors`, `sidecast_redis_up`,
		`sidecast_backend_up`, `sidecast_draining`, `sidecast_bus_reconnects_total`,
		`sidecast_frames_dropped_total{reason="local_event"}`, `sidecast_session_drops_total{reason="slow_client"}`,
		`sidecast_bus_published_total`, `sidecast_bus_received_total`, `sidecast_bus_lost_total{reason="transport"}`} {
		sample(t, during, name)
	}
	if during["sidecast_backend_up"] != 1 {
		t.Fatalf("sidecast_backend_up = %v", during["sidecast_backend_up"])
	}
}
