package node

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/sidecast/sidecast/fanout"
	"github.com/sidecast/sidecast/internal/config"
	"github.com/sidecast/sidecast/internal/ops"
	"github.com/sidecast/sidecast/internal/syncbuf"
	"github.com/sidecast/sidecast/internal/testkit"
)

// TestStartDoesNotWaitForRedis: with Redis refusing connections, Start
// returns and the node answers at once; a Shutdown while the background
// join still waits for Redis ends every goroutine the node started.
func TestStartDoesNotWaitForRedis(t *testing.T) {
	fanout.RouteRedisLogs(ops.NewLogger(&config.Config{LogFormat: "text"}, io.Discard))
	base := runtime.NumGoroutine()
	refused := strconv.Itoa(testkit.FreePort(t))
	cfg, err := config.Load(map[string]string{
		"SERVER_ID": "join-test", "BACKEND_URL": "http://127.0.0.1:" + refused,
		"REDIS_URL": "redis://127.0.0.1:" + refused, "REDIS_REQUESTS_TIMEOUT": "30000",
	})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncbuf.Buffer{}
	ln := testkit.ListenLoopback(t)
	start := time.Now()
	n, err := Start(context.Background(), cfg, ops.NewLogger(cfg, logs), ln, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	resp, err := (&http.Client{Transport: tr}).Get("http://" + ln.Addr().String() + cfg.HealthPath)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	tr.CloseIdleConnections()
	took := time.Since(start)
	t.Logf("health answered %d %s after Start, Redis refusing and REDIS_REQUESTS_TIMEOUT=30s", resp.StatusCode, took)
	if took > 5*time.Second {
		t.Fatalf("the node took %s to answer; it must not wait for Redis", took)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := testkit.NoLeakedGoroutines(base, 10*time.Second); err != nil {
		t.Fatalf("%v\nnode logs:\n%s", err, logs.String())
	}
}
