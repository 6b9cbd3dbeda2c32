package e2e

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/sidecast/sidecast/internal/config"
	"github.com/sidecast/sidecast/internal/node"
	"github.com/sidecast/sidecast/internal/ops"
	"github.com/sidecast/sidecast/internal/syncbuf"
	"github.com/sidecast/sidecast/internal/testkit"
)

// opsNode is an in-process node: its client port on loopback and its
// METRICS_PORT handler on an httptest server.
type opsNode struct {
	n    *node.Node
	base string // client port
	ops  string // what METRICS_PORT would serve
	logs *syncbuf.Buffer
}

// startOpsNode starts a node from env (plus SERVER_ID and a quiet bus) and
// shuts it down when the test ends; its logs are shown if the test fails.
func startOpsNode(t *testing.T, env map[string]string) *opsNode {
	t.Helper()
	full := map[string]string{"SERVER_ID": "ops-test", "LOG_LEVEL": "debug", "LOG_FORMAT": "text"}
	for k, v := range env {
		full[k] = v
	}
	cfg, err := config.Load(full)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncbuf.Buffer{}
	ln := testkit.ListenLoopback(t)
	n, err := node.Start(context.Background(), cfg, ops.NewLogger(cfg, logs), ln, nil)
	if err != nil {
		t.Fatal(err)
	}
	ops := httptest.NewServer(n.Ops().Handler())
	t.Cleanup(func() {
		ops.Close()
		ctx, cancel := context.WithTimeout(context.Background(), procWait)
		defer cancel()
		_ = n.Shutdown(ctx)
		if t.Failed() {
			t.Logf("node logs:\n%s", logs.String())
		}
	})
	return &opsNode{n: n, base: "http://" + ln.Addr().String(), ops: ops.URL, logs: logs}
}

// get GETs url with an optional bearer token and returns status and body.
func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := &http.Client{Timeout: procWait}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// scrape reads /metrics into "name{labels}" → value.
func scrape(t *testing.T, base string) map[string]float64 {
	t.Helper()
	code, body := get(t, base+"/metrics", "")
	if code != http.StatusOK {
		t.Fatalf("/metrics answered %d", code)
	}
	out := make(map[string]float64)
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("sample %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// sample returns a scraped value, failing the test when it is absent.
func sample(t *testing.T, m map[string]float64, key string) float64 {
	t.Helper()
	v, ok := m[key]
	if !ok {
		t.Fatalf("metric %s not exported", key)
	}
	return v
}
