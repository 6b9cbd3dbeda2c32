package deploytest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// TestComposeTopologyOnHost runs the compose example's topology as plain
// processes, since no Docker engine runs here: a redis-server with the
// compose password, two example backends, two sidecast binaries with the
// compose environment, and nginx with the example configuration, each on a
// free loopback port in place of its service name. Through nginx, requests
// must reach both sidecasts, plain HTTP must reach a backend through its
// sidecast, and Socket.IO handshakes (polling, and WebSocket through
// nginx's upgrade headers) must open a session.
func TestComposeTopologyOnHost(t *testing.T) {
	cf := loadCompose(t, noEnv)
	bin := buildSidecast(t)
	srv := redistest.Start(t, redistest.Config{Password: requirepass(cf.Services["redis"].Command)})
	t.Run("redis health check", func(t *testing.T) { checkRedisHealthcheck(t, cf.Services["redis"], srv.Port()) })
	app := prepareBackendApp(t)

	addrs := map[string]string{} // compose service → loopback address
	for name, s := range cf.Services {
		if composeDockerfile(s) == "examples/socketio-chat/Dockerfile" {
			env := map[string]string{}
			for k, v := range s.Environment {
				env[k] = v
			}
			env["PORT"] = strconv.Itoa(testkit.FreePort(t))
			startImageCmd(t, app, []string{"node", "server.js"}, env)
			addrs[name] = "127.0.0.1:" + env["PORT"]
			testkit.WaitTCP(t, 20*time.Second, addrs[name])
		}
	}
	var nodes []*sidecastProc
	for _, name := range sidecastServices(t, cf) {
		env := hostSidecastEnv(t, cf.Services[name].Environment, addrs, srv.Addr())
		addrs[name] = "127.0.0.1:" + env["SERVER_PORT"]
		p := startSidecastEnv(t, bin, env)
		p.health(t, "http://"+addrs[name]+env["HEALTH_PATH"], func(h map[string]any) bool { return h["redis"] == true })
		nodes = append(nodes, p)
	}
	var upstream []string
	for _, servers := range loadNginxFacts(t).upstreams {
		for _, s := range servers {
			host, _, _ := strings.Cut(s, ":")
			upstream = append(upstream, addrs[host])
		}
	}
	lb := "http://" + startNginx(t, upstream)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 15 * time.Second}
	t.Run("nginx reaches every sidecast", func(t *testing.T) { checkNodesSeen(ctx, t, client, lb, cf) })
	t.Run("plain HTTP reaches a backend", func(t *testing.T) {
		body, err := getBody(ctx, client, lb+"/stats")
		if err != nil || !strings.Contains(body, `"online"`) {
			t.Errorf("GET /stats through nginx and sidecast: %v %q, want the backend's stats", err, body)
		}
	})
	t.Run("Socket.IO polling handshake", func(t *testing.T) {
		body, err := getBody(ctx, client, lb+"/socket.io/?EIO=4&transport=polling")
		if err != nil || !strings.HasPrefix(body, "0{") || !strings.Contains(body, `"sid"`) {
			t.Errorf("Engine.IO open through nginx: %v %q, want an open packet 0{\"sid\":…}", err, body)
		}
	})
	t.Run("Socket.IO websocket handshake", func(t *testing.T) {
		conn, br, _, err := ws.Dial(ctx, "ws"+strings.TrimPrefix(lb, "http")+"/socket.io/?EIO=4&transport=websocket")
		if err != nil {
			t.Fatalf("WebSocket through nginx and sidecast: %v", err)
		}
		defer conn.Close()
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		// The server speaks first: its open packet may arrive with the
		// 101 response, in the reader Dial returns.
		msg, err := wsutil.ReadServerText(testkit.DialedConn(conn, br))
		if err != nil || !strings.HasPrefix(string(msg), "0{") || !strings.Contains(string(msg), `"sid"`) {
			t.Errorf("first WebSocket message %q, %v; want an Engine.IO open packet", msg, err)
		}
	})
	for _, p := range nodes {
		p.stop(t)
	}
}

// backendApp is the example backend installed the way its image installs
// it, once per package run; TestMain removes it.
var backendApp struct {
	once sync.Once
	dir  string
	err  error
}

// prepareBackendApp replays the example backend's COPY and RUN steps into
// a temporary folder (once) and returns it.
func prepareBackendApp(t *testing.T) string {
	t.Helper()
	stages := dockerfile(t, "examples/socketio-chat/Dockerfile")
	final := stages[len(stages)-1]
	root := repoRoot(t)
	backendApp.once.Do(func() {
		if backendApp.dir, backendApp.err = os.MkdirTemp("", "deploytest-app-"); backendApp.err != nil {
			return
		}
		for _, src := range copySources(final) {
			copyFile(t, filepath.Join(root, "examples/socketio-chat", src), filepath.Join(backendApp.dir, filepath.Base(src)))
		}
		// npm gets a cache of its own, so the image's `npm cache clean`
		// leaves the machine's cache alone.
		npmEnv := map[string]string{"npm_config_cache": filepath.Join(backendApp.dir, ".npm-cache")}
		for _, in := range final.find("RUN") {
			runStep(t, backendApp.dir, backendApp.dir, in, npmEnv)
		}
	})
	if backendApp.err != nil {
		t.Fatalf("backend app folder: %v", backendApp.err)
	}
	if _, err := os.Stat(filepath.Join(backendApp.dir, "node_modules")); err != nil {
		t.Fatalf("the example backend's install failed earlier in this run: %v", err)
	}
	return backendApp.dir
}

// hostSidecastEnv is a compose sidecast's environment with service names
// replaced by the loopback addresses the test started them on.
func hostSidecastEnv(t *testing.T, compose envMap, addrs map[string]string, redisAddr string) map[string]string {
	t.Helper()
	env := map[string]string{}
	for k, v := range compose {
		env[k] = v
	}
	backend, err := url.Parse(env["BACKEND_URL"])
	if err != nil || addrs[backend.Hostname()] == "" {
		t.Fatalf("BACKEND_URL %q names no backend service", env["BACKEND_URL"])
	}
	backend.Host = addrs[backend.Hostname()]
	env["BACKEND_URL"] = backend.String()
	env["REDIS_HOST"], env["REDIS_PORT"], _ = net.SplitHostPort(redisAddr)
	env["SERVER_PORT"], env["METRICS_PORT"] = strconv.Itoa(testkit.FreePort(t)), strconv.Itoa(testkit.FreePort(t))
	env["ADVERTISE_URL"] = "http://127.0.0.1:" + env["SERVER_PORT"]
	return env
}

// checkNodesSeen reads HEALTH_PATH through nginx until every sidecast's
// SERVER_ID has answered.
func checkNodesSeen(ctx context.Context, t *testing.T, client *http.Client, lb string, cf *composeFile) {
	t.Helper()
	want := map[string]bool{}
	path := ""
	for _, name := range sidecastServices(t, cf) {
		want[cf.Services[name].Environment["SERVER_ID"]] = true
		path = cf.Services[name].Environment["HEALTH_PATH"]
	}
	seen := map[string]int{}
	for range 10 {
		body, err := getBody(ctx, client, lb+path)
		if err != nil {
			t.Fatalf("GET %s through nginx: %v", path, err)
		}
		var h map[string]any
		if err := json.Unmarshal([]byte(body), &h); err != nil {
			t.Fatalf("health answer %q: %v", body, err)
		}
		id, _ := h["serverId"].(string)
		seen[id]++
	}
	t.Logf("health answers per node: %v", seen)
	for id := range want {
		if seen[id] == 0 {
			t.Errorf("no request reached %s through nginx", id)
		}
	}
}

// checkRedisHealthcheck runs the redis service's health check command with
// the service's environment, redis-cli pointed at the test server's port
// (never the machine's 6379): it passes, and fails with a wrong password.
func checkRedisHealthcheck(t *testing.T, redis composeService, port int) {
	t.Helper()
	if redis.Healthcheck == nil || len(redis.Healthcheck.Test) != 2 || redis.Healthcheck.Test[0] != "CMD-SHELL" {
		t.Fatalf("redis healthcheck %+v, want [CMD-SHELL, command]", redis.Healthcheck)
	}
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Fatal("redis-cli not found: install redis-tools (the redis-server package pulls it in)")
	}
	script := strings.Replace(redis.Healthcheck.Test[1], "redis-cli", fmt.Sprintf("redis-cli -p %d", port), 1)
	for _, tc := range []struct {
		password string
		pass     bool
	}{{redis.Environment["REDIS_PASSWORD"], true}, {"wrong", false}} {
		cmd := exec.Command("sh", "-c", script)
		cmd.Env = append(os.Environ(), "REDIS_PASSWORD="+tc.password)
		out, err := cmd.CombinedOutput()
		if (err == nil) != tc.pass {
			t.Errorf("health check with password %q: %v (want pass=%v)\n%s", tc.password, err, tc.pass, out)
		}
	}
}
