package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/siotest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// sioPairEnv is examples/socketio-chat's configuration for a pair.
var sioPairEnv = map[string]string{
	"PROTOCOL": "socketio", "MIRROR_EVENTS": "join_twin_room,leave_twin_room",
	"LOCAL_EVENTS": "welcome,room_joined,twin_online,twin_offline",
}

// TestBackendReturnLosesNothing: node-a's backend (a real Node Socket.IO
// process) is killed mid-session and started again on its port. bob, a
// socket.io-client on node-a, reconnects as soon as he can, joins his room
// again and sends at once; alice on node-b gets that first message, because
// node-a takes bob back only once alice's mirror is rebuilt on the returned
// backend. Three kill/restart runs, nothing lost in any.
func TestBackendReturnLosesNothing(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	backA, backB := siotest.StartServer(t), siotest.StartServer(t)
	nodes := startPairWith(t, rs.URL(), [2]string{backA.URL, backB.URL}, sioPairEnv)
	a, b := nodes[0], nodes[1]
	peer := siotest.StartPeer(t)
	for run := 1; run <= 3; run++ {
		pair := fmt.Sprintf("p%d", run)
		alice, bob := "alice"+pair, "bob"+pair
		peer.MustConnect(t, siotest.Conn{Name: alice, URL: b.base, Auth: map[string]string{"userId": alice}})
		peer.MustConnect(t, siotest.Conn{Name: bob, URL: a.base, Auth: map[string]string{"userId": bob},
			Reconnection: true, ReconnectionDelay: 50})
		peer.EmitWithAck(t, alice, "join_twin_room", map[string]string{"twinPairId": pair})
		peer.EmitWithAck(t, bob, "join_twin_room", map[string]string{"twinPairId": pair})
		peer.EmitWithAck(t, bob, "send_message", map[string]string{"twinPairId": pair, "text": "before"})
		testkit.WaitUntil(t, procWait, alice+" gets bob's message before the outage", func() bool {
			return peer.CountText(alice, "new_message", "before") == 1
		})

		backA.Kill()
		peer.Wait(t, bob, "disconnect", "")
		backA = siotest.StartServerOn(t, backA.Port)
		returned := time.Now()
		testkit.WaitUntil(t, procWait, bob+" reconnects", func() bool {
			return peer.Count(bob, "connect", "") == 1 // MustConnect consumed the first
		})
		peer.EmitWithAck(t, bob, "join_twin_room", map[string]string{"twinPairId": pair})
		peer.EmitWithAck(t, bob, "send_message", map[string]string{"twinPairId": pair, "text": "first after return"})
		t.Logf("run %d: bob back %v after the backend", run, time.Since(returned).Round(time.Millisecond))
		testkit.WaitUntil(t, procWait, alice+" gets bob's first message after the return", func() bool {
			return peer.CountText(alice, "new_message", "first after return") >= 1
		})
		if n := peer.CountText(alice, "new_message", "first after return"); n != 1 {
			t.Fatalf("run %d: alice got bob's first message after the return %d times", run, n)
		}
		peer.Disconnect(t, alice)
		peer.Disconnect(t, bob)
	}
}

// TestSyncingUntilPeersAnswer: while node-a rebuilds mirrors after its
// backend returned, HEALTH_PATH and /readyz say syncing with 503 and a new
// client gets 503; here node-b is stopped (SIGSTOP) so its snapshots cannot
// come, and once it resumes node-a is ready and takes clients again.
func TestSyncingUntilPeersAnswer(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	backA, backB := siotest.StartServer(t), siotest.StartServer(t)
	env := map[string]string{"REDIS_REQUESTS_TIMEOUT": "20000", "HEARTBEAT_TTL": "20s"}
	for k, v := range sioPairEnv {
		env[k] = v
	}
	nodes := startPairWith(t, rs.URL(), [2]string{backA.URL, backB.URL}, env)
	a, b := nodes[0], nodes[1]
	peer := siotest.StartPeer(t)
	peer.MustConnect(t, siotest.Conn{Name: "alice", URL: b.base, Auth: map[string]string{"userId": "alice"}})
	mirrors := func(n *pairNode) float64 { return scrape(t, n.ops)["sidecast_mirrors"] }
	testkit.WaitUntil(t, procWait, "alice's mirror on node-a", func() bool { return mirrors(a) == 1 })

	backA.Kill()
	testkit.WaitUntil(t, procWait, "node-a to say its backend is down", func() bool {
		h, code := getHealth(a.base)
		return code == http.StatusServiceUnavailable && h["backend"] == false
	})
	b.p.signal(syscall.SIGSTOP)
	stopped := true
	t.Cleanup(func() {
		if stopped {
			b.p.signal(syscall.SIGCONT)
		}
	})
	siotest.StartServerOn(t, backA.Port) // stopped by the test's cleanup
	testkit.WaitUntil(t, procWait, "node-a to say syncing", func() bool {
		h, code := getHealth(a.base)
		return code == http.StatusServiceUnavailable && h["status"] == "syncing" && h["backend"] == true
	})
	if code, body := get(t, a.ops+"/readyz", ""); code != http.StatusServiceUnavailable || !strings.Contains(body, "syncing") {
		t.Fatalf("/readyz while syncing: %d %q", code, body)
	}
	if code, body := get(t, a.base+"/socket.io/?EIO=4&transport=polling", ""); code != http.StatusServiceUnavailable || !strings.Contains(body, "syncing") {
		t.Fatalf("a new client while syncing: %d %q", code, body)
	}

	b.p.signal(syscall.SIGCONT)
	stopped = false
	resumed := time.Now()
	testkit.WaitUntil(t, procWait, "node-a ready once node-b sent its snapshots", func() bool {
		h, code := getHealth(a.base)
		return code == http.StatusOK && h["status"] == "ok"
	})
	t.Logf("node-a ready %v after node-b resumed", time.Since(resumed).Round(time.Millisecond))
	if mirrors(a) != 1 {
		t.Fatalf("node-a ready with %v mirrors, want alice's", mirrors(a))
	}
	peer.MustConnect(t, siotest.Conn{Name: "bob", URL: a.base, Auth: map[string]string{"userId": "bob"}})
}
