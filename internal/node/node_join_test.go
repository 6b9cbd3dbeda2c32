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
	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/syncbuf"
	"github.com/sidecast/sidecast/internal/testkit"
)

// TestStartDoesNotWaitForRedis: with Redis refusing connections, or
// accepting them and answering nothing, Start returns and the node answers
// at once; a Shutdown while the background join still waits for Redis
// ends every goroutine the node started. (With a silent Redis, Shutdown
// waits for the join's Redis calls, each bounded by REDIS_REQUESTS_TIMEOUT:
// go-redis does not give up a blocked read when its context is canceled.)
func TestStartDoesNotWaitForRedis(t *testing.T) {
	fanout.RouteRedisLogs(ops.NewLogger(&config.Config{LogFormat: "text"}, io.Discard))
	tests := []struct {
		name  string
		redis func(t *testing.T) string
	}{
		{"refused", func(t *testing.T) string { return "127.0.0.1:" + strconv.Itoa(testkit.FreePort(t)) }},
		{"silent", func(t *testing.T) string {
			p := redistest.NewProxy(t, redistest.Start(t, redistest.Config{}).Addr())
			p.Pause()
			return p.Addr()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Checked last (cleanups run in reverse), once the Redis
			// fixtures, whose goroutines are not the node's, have stopped.
			base := runtime.NumGoroutine()
			logs := &syncbuf.Buffer{}
			t.Cleanup(func() {
				if err := testkit.NoLeakedGoroutines(base, 10*time.Second); err != nil {
					t.Fatalf("%v\nnode logs:\n%s", err, logs.String())
				}
			})
			addr := tt.redis(t)
			cfg, err := config.Load(map[string]string{
				"SERVER_ID": "join-test", "BACKEND_URL": "http://127.0.0.1:" + strconv.Itoa(testkit.FreePort(t)),
				"REDIS_URL": "redis://" + addr, "REDIS_REQUESTS_TIMEOUT": "1000",
			})
			if err != nil {
				t.Fatal(err)
			}
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
			t.Logf("health answered %d %s after Start, Redis %s, REDIS_REQUESTS_TIMEOUT=1s", resp.StatusCode, took, tt.name)
			if took > 2*time.Second {
				t.Fatalf("the node took %s to answer; it must not wait for Redis", took)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start = time.Now()
			if err := n.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			t.Logf("shutdown took %s", time.Since(start))
		})
	}
}
