package deploytest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/examples/wschat"
	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// startEchoingPair runs two sidecast nodes over a real redis-server, each
// in front of its own examples/wschat backend, and makes traffic that every
// labelled metric family needs before it shows up in a scrape: a client on
// node a joins a room, so the join is replayed on node b's mirror, and both
// backends answer "joined" — which, with no LOCAL_EVENTS set, reaches the
// client from its home backend and from the mirror: an echo suspect. It
// returns node a's /metrics URL once that has happened.
func startEchoingPair(t *testing.T) string {
	t.Helper()
	bin := buildSidecast(t)
	srv := redistest.Start(t, redistest.Config{})
	type node struct {
		server, metrics string
		proc            *sidecastProc
	}
	var nodes []node
	for _, id := range []string{"a", "b"} {
		chat := wschat.NewServer(wschat.Options{})
		backend := httptest.NewServer(chat)
		t.Cleanup(func() { backend.Close(); chat.Close() })
		n := node{server: strconv.Itoa(testkit.FreePort(t)), metrics: strconv.Itoa(testkit.FreePort(t))}
		n.proc = startSidecastEnv(t, bin, map[string]string{
			"SERVER_PORT":        n.server,
			"METRICS_PORT":       n.metrics,
			"ADVERTISE_URL":      "http://127.0.0.1:" + n.server,
			"BACKEND_URL":        backend.URL,
			"REDIS_URL":          srv.URL(),
			"SERVER_ID":          "dashboard-" + id,
			"PROTOCOL":           "websocket",
			"MIRROR_EVENTS":      "join,leave",
			"HEARTBEAT_INTERVAL": "200ms",
			"HEARTBEAT_TTL":      "2s",
		})
		nodes = append(nodes, n)
	}
	for _, n := range nodes {
		n.proc.health(t, "http://127.0.0.1:"+n.server+"/health", func(h map[string]any) bool {
			peers, _ := h["peers"].(float64)
			return peers == 1
		})
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, _, _, err := ws.Dial(ctx, "ws://127.0.0.1:"+nodes[0].server+"/?user=alice")
	if err != nil {
		t.Fatalf("dial node a: %v\n%s", err, nodes[0].proc.out)
	}
	defer conn.Close()
	if err := wsutil.WriteClientText(conn, []byte(`{"type":"join","room":"r"}`)); err != nil {
		t.Fatal(err)
	}
	// Read until both backends' "joined" arrived, then until node a counts
	// the echo.
	seen := 0
	for seen < 2 {
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		msg, err := wsutil.ReadServerText(conn)
		if err != nil {
			t.Fatalf("alice read after %d joined: %v\nnode a:\n%s\nnode b:\n%s", seen, err, nodes[0].proc.out, nodes[1].proc.out)
		}
		var m struct{ Type string }
		if json.Unmarshal(msg, &m) == nil && m.Type == "joined" {
			seen++
		}
	}
	url := "http://127.0.0.1:" + nodes[0].metrics + "/metrics"
	waitMetric(ctx, t, url, `sidecast_echo_suspects_total{event="joined"}`)
	return url
}

// waitMetric polls url until a sample line starts with series.
func waitMetric(ctx context.Context, t *testing.T, url, series string) {
	t.Helper()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			var b strings.Builder
			_, _ = io.Copy(&b, resp.Body)
			resp.Body.Close()
			for _, line := range strings.Split(b.String(), "\n") {
				if strings.HasPrefix(line, series+" ") {
					return
				}
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s never showed %s", url, series)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
