package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
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

// startChat runs the example backend on a loopback port.
func startChat(t *testing.T) *httptest.Server {
	t.Helper()
	chat := wschat.NewServer(wschat.Options{})
	hs := httptest.NewServer(chat)
	t.Cleanup(func() {
		_ = chat.Close()
		hs.Close()
	})
	return hs
}

// startNodeProc runs `sidecast` in front of backend and waits until its
// health path answers.
func startNodeProc(t *testing.T, backend string, extra map[string]string) (*proc, string) {
	t.Helper()
	port := strconv.Itoa(testkit.FreePort(t))
	env := map[string]string{"SERVER_PORT": port, "BACKEND_URL": backend, "LOG_FORMAT": "text"}
	for k, v := range extra {
		env[k] = v
	}
	p := startProc(t, env)
	base := "http://127.0.0.1:" + port
	testkit.WaitUntil(t, procWait, "the node's health path", func() bool {
		_, code := getHealthAt(base, env["HEALTH_PATH"])
		return code == http.StatusOK
	})
	return p, base
}

func getHealth(base string) (map[string]any, int) { return getHealthAt(base, "") }

func getHealthAt(base, path string) (map[string]any, int) {
	if path == "" {
		path = "/health"
	}
	resp, err := http.Get(base + path)
	if err != nil {
		return nil, 0
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return body, resp.StatusCode
}

// TestServe runs the binary in front of the example backend: a client chats
// through it, plain HTTP is proxied, SIGTERM closes the client with 1001
// and the process exits 0.
func TestServe(t *testing.T) {
	chat := startChat(t)
	p, base := startNodeProc(t, chat.URL, map[string]string{"SERVER_ID": "serve-test"})
	p.waitOutput(&p.Stderr, `running single-node on the in-memory bus`)

	c := joinRoom(t, base, "alice", "r")
	resp, err := http.Get(base + "/rooms")
	if err != nil {
		t.Fatal(err)
	}
	rooms, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if strings.TrimSpace(string(rooms)) != `{"r":["alice"]}` {
		t.Fatalf("GET /rooms through sidecast = %q", rooms)
	}
	health, _ := getHealth(base)
	if health["serverId"] != "serve-test" || health["connections"] != float64(1) || health["status"] != "ok" {
		t.Fatalf("health = %v", health)
	}

	p.signal(syscall.SIGTERM)
	if code := p.exitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0", code)
	}
	assertGoingAway(t, c)
}

// assertGoingAway reads until the connection ends and checks it was closed
// with 1001.
func assertGoingAway(t *testing.T, c *demo.Client) {
	t.Helper()
	if code := c.WaitClosed(procWait); code != ws.StatusGoingAway {
		t.Fatalf("client closed with %d, want 1001", code)
	}
}

// TestSocketIOProtocol: PROTOCOL=socketio is accepted and wired to the
// proxy (the Socket.IO behaviour itself is tested in proxy/).
func TestSocketIOProtocol(t *testing.T) {
	chat := startChat(t)
	p, _ := startNodeProc(t, chat.URL, map[string]string{"PROTOCOL": "socketio"})
	p.signal(syscall.SIGTERM)
	if code := p.exitCode(); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
}

// TestRedisTwoNodes runs two binaries over a real redis-server: each sees
// the other arrive through the registry, health reports Redis, and a node
// that stops is seen leaving.
func TestRedisTwoNodes(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{Password: "Tw1nsh1p-secret"})
	chat := startChat(t)
	env := func(id string) map[string]string {
		return map[string]string{
			"SERVER_ID": id, "REDIS_URL": "redis://:Tw1nsh1p-secret@" + rs.Addr() + "/0",
			"HEARTBEAT_INTERVAL": "200ms", "HEARTBEAT_TTL": "1s", "LOG_LEVEL": "debug",
		}
	}
	a, baseA := startNodeProc(t, chat.URL, env("node-a"))
	b, _ := startNodeProc(t, chat.URL, env("node-b"))
	a.waitOutput(&a.Stderr, `msg="peer up" node=node-a peer=node-b`)
	b.waitOutput(&b.Stderr, `msg="peer up" node=node-b peer=node-a`)
	testkit.WaitUntil(t, procWait, "node-a's health to report Redis", func() bool {
		h, _ := getHealth(baseA)
		return h["redis"] == true
	})

	b.signal(syscall.SIGTERM)
	if code := b.exitCode(); code != 0 {
		t.Fatalf("node-b exit code %d, want 0", code)
	}
	a.waitOutput(&a.Stderr, `msg="peer down" node=node-a peer=node-b`)
	for _, p := range []*proc{a, b} {
		if out := p.Stderr.String() + p.Stdout.String(); strings.Contains(out, "Tw1nsh1p-secret") {
			t.Fatalf("the Redis password appears in the output:\n%s", out)
		}
	}
}

// TestRedisDownStartsDegraded: an unreachable Redis does not stop the node;
// health says degraded with status 200 and the client still chats locally.
func TestRedisDownStartsDegraded(t *testing.T) {
	chat := startChat(t)
	closed := testkit.FreePort(t)
	p, base := startNodeProc(t, chat.URL, map[string]string{
		"REDIS_URL": "redis://app:Sup3r-secret@127.0.0.1:" + strconv.Itoa(closed), "REDIS_REQUESTS_TIMEOUT": "300",
	})
	p.waitOutput(&p.Stderr, `Redis is not usable yet`)
	h, code := getHealth(base)
	if code != http.StatusOK || h["status"] != "degraded" || h["redis"] != false {
		t.Fatalf("health %d %v, want 200 degraded", code, h)
	}
	joinRoom(t, base, "solo", "r") // a degraded node still serves a session locally
	p.signal(syscall.SIGINT)
	if code := p.exitCode(); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	if strings.Contains(p.Stderr.String(), "Sup3r-secret") {
		t.Fatalf("the password appears in the logs:\n%s", p.Stderr.String())
	}
}

// TestHealthcheckCommand: `sidecast healthcheck` exits 0 against a healthy
// node and 1 when nothing answers.
func TestHealthcheckCommand(t *testing.T) {
	chat := startChat(t)
	_, base := startNodeProc(t, chat.URL, map[string]string{"HEALTH_PATH": "/sidecast-health"})
	port := base[strings.LastIndex(base, ":")+1:]
	sick := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer sick.Close()
	tests := []struct {
		name, port string
		want       int
	}{
		{"healthy", port, 0},
		{"answers 503", sick.URL[strings.LastIndex(sick.URL, ":")+1:], 1},
		{"nothing listening", strconv.Itoa(testkit.FreePort(t)), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startProc(t, map[string]string{"SERVER_PORT": tt.port, "HEALTH_PATH": "/sidecast-health"}, "healthcheck")
			if code := p.exitCode(); code != tt.want {
				t.Fatalf("exit %d, want %d", code, tt.want)
			}
		})
	}
}

// TestDrainTimeoutExitsOne: a shutdown that cannot finish within
// DRAIN_TIMEOUT (a proxied request still running) exits with code 1.
func TestDrainTimeoutExitsOne(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	p, base := startNodeProc(t, slow.URL, map[string]string{"DRAIN_TIMEOUT": "300ms"})
	got := make(chan error, 1)
	go getAndClose(base+"/slow", got)
	select {
	case <-arrived:
	case <-time.After(procWait):
		t.Fatal("the proxied request never reached the backend")
	}
	p.signal(syscall.SIGTERM)
	if code := p.exitCode(); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	p.waitOutput(&p.Stderr, `stop http server: context deadline exceeded`)
	select {
	case <-got: // the forced close ended the request
	case <-time.After(procWait):
		t.Fatal("the proxied request did not end with the process")
	}
}

// getAndClose GETs url and reports the outcome on done.
func getAndClose(url string, done chan<- error) {
	resp, err := http.Get(url)
	if err == nil {
		_ = resp.Body.Close()
	}
	done <- err
}
