package e2e

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// TestStickyOwnerGone: when the node that holds a session dies, a request
// for that session at another node gets Engine.IO's "Session ID unknown"
// (so the client reconnects): right after the kill, while the dead node
// is usually still in the registry (the forward fails), and after its
// record expired (no owner to forward to).
func TestStickyOwnerGone(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	chat := startHeaderBackend(t)
	var bases []string
	var procs []*proc
	for k := range 2 {
		port := strconv.Itoa(testkit.FreePort(t))
		base := "http://127.0.0.1:" + port
		p := startProc(t, map[string]string{
			"BACKEND_URL": chat.srv.URL, "LOG_FORMAT": "text", "METRICS_PORT": "0",
			"SERVER_ID": fmt.Sprintf("gone-node%d", k), "SERVER_PORT": port, "PROTOCOL": "socketio",
			"ADVERTISE_URL": base, "REDIS_URL": rs.URL(), "REDIS_ADAPTER_KEY": "gonetest",
			"HEARTBEAT_INTERVAL": "200ms", "HEARTBEAT_TTL": "1s", "MIRRORS": "off",
		})
		testkit.WaitUntil(t, procWait, "node health", func() bool { _, code := getHealth(base); return code == http.StatusOK })
		bases, procs = append(bases, base), append(procs, p)
	}
	for _, p := range procs {
		p.waitOutput(&p.Stderr, `msg="peer up"`)
	}
	req, _ := http.NewRequest("GET", bases[0]+"/socket.io/?EIO=4&transport=polling", nil)
	_, body := doRequest(t, req)
	sid := openSID(t, body)
	poll := bases[1] + "/socket.io/?EIO=4&transport=polling&sid=" + sid

	// Alive: node 1 forwards a POST to node 0.
	post, _ := http.NewRequest("POST", poll, strings.NewReader("3"))
	if code, body := doRequest(t, post); code != http.StatusOK || body != "ok" {
		t.Fatalf("POST through node 1 while node 0 lives: %d %q", code, body)
	}

	procs[0].signal(syscall.SIGKILL)
	procs[0].exitCode()
	for _, phase := range []string{"right after the kill", "expired"} {
		if phase == "expired" {
			procs[1].waitOutput(&procs[1].Stderr, `msg="peer down" node=gone-node1 peer=gone-node0`)
		}
		req, _ := http.NewRequest("GET", poll, nil)
		code, body := doRequest(t, req)
		if code != http.StatusBadRequest || body != `{"code":1,"message":"Session ID unknown"}` {
			t.Fatalf("%s: GET for the dead node's session: %d %q", phase, code, body)
		}
	}
}
