package e2e

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// serveCeiling holds the time from exec to the first answer on the client
// port while Redis cannot be used: the target is 1s (README, Which bus);
// the ceiling is generous for a loaded two-core machine.
const serveCeiling = 5 * time.Second

// TestRedisUnusableServesAtOnce: with Redis refusing connections, or
// accepting them and answering nothing, two nodes answer on their client
// port at once (degraded, chatting locally), and once Redis answers they
// find each other and relay across nodes: the registry and the mirrors
// join in the background.
func TestRedisUnusableServesAtOnce(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T) (url string, repair func())
	}{
		{"refused", func(t *testing.T) (string, func()) {
			s := redistest.Start(t, redistest.Config{})
			s.Kill()
			return s.URL(), s.Restart
		}},
		{"silent", func(t *testing.T) (string, func()) {
			s := redistest.Start(t, redistest.Config{})
			p := redistest.NewProxy(t, s.Addr())
			p.Pause()
			return "redis://" + p.Addr(), p.Resume
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, repair := tt.setup(t)
			var bases [2]string
			for i, id := range []string{"node-a", "node-b"} {
				port := strconv.Itoa(testkit.FreePort(t))
				bases[i] = "http://127.0.0.1:" + port
				start := time.Now()
				startProc(t, map[string]string{
					"SERVER_ID": id, "SERVER_PORT": port, "BACKEND_URL": startChat(t).URL, "LOG_FORMAT": "text",
					"REDIS_URL": url, "MIRROR_EVENTS": "join,leave", "LOCAL_EVENTS": "joined,left",
					"HEARTBEAT_INTERVAL": "200ms", "HEARTBEAT_TTL": "2s",
				})
				var code int
				testkit.WaitUntil(t, procWait, id+"'s health path to answer", func() bool {
					_, code = getHealth(bases[i])
					return code != 0
				})
				took := time.Since(start)
				t.Logf("%s answered %d on its client port %s after exec, Redis %s", id, code, took, tt.name)
				if took > serveCeiling {
					t.Fatalf("%s took %s to answer with Redis %s; ceiling %s", id, took, tt.name, serveCeiling)
				}
				if h, code := getHealth(bases[i]); code != http.StatusOK || h["status"] != "degraded" {
					t.Fatalf("%s health %d %v, want 200 degraded", id, code, h)
				}
				chatLocally(t, bases[i], "solo-"+id)
			}
			repair()
			for i := range bases {
				testkit.WaitUntil(t, procWait, "both nodes to join once Redis answers", func() bool {
					h, _ := getHealth(bases[i])
					return h["status"] == "ok" && h["peers"] == float64(1)
				})
			}
			a := joinRoom(t, bases[0], "alice", "r")
			b := joinRoom(t, bases[1], "bob", "r")
			t.Logf("a message crossed nodes in %s", crossNodeSay(t, a, b, "r", "hello across"))
		})
	}
}
