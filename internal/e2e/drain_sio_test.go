package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/siotest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// readyLB is a load balancer as Kubernetes makes one from readiness
// probes: each request goes to the first node whose /readyz answers 200.
type readyLB struct {
	nodes []lbNode
}

type lbNode struct {
	base  *url.URL // client port
	ready string   // METRICS_PORT's /readyz
}

func (lb *readyLB) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for _, n := range lb.nodes {
		if statusOf(n.ready) == http.StatusOK {
			httputil.NewSingleHostReverseProxy(n.base).ServeHTTP(w, r)
			return
		}
	}
	http.Error(w, "no ready node", http.StatusServiceUnavailable)
}

// TestDrainSocketIO: real socket.io-client sockets (long-polling with
// upgrade, and websocket only) reach node A through a readiness-driven
// load balancer. SIGTERM on A: each gets its Engine.IO close at DRAIN_RATE,
// reports a reconnectable "transport close", reconnects through the load
// balancer and lands on node B; A exits 0.
func TestDrainSocketIO(t *testing.T) {
	const (
		clients = 6
		rate    = 3
	)
	rs := redistest.Start(t, redistest.Config{})
	var lb readyLB
	var procA *proc
	var bases []string
	for _, id := range []string{"sio-drain-a", "sio-drain-b"} {
		chat := siotest.StartServer(t)
		mport := strconv.Itoa(testkit.FreePort(t))
		p, base := startNodeProc(t, chat.URL, map[string]string{
			"SERVER_ID": id, "PROTOCOL": "socketio", "REDIS_URL": rs.URL(),
			"MIRROR_EVENTS": "join_twin_room,leave_twin_room", "MIRROR_EVENT_REPLY": "room_joined",
			"LOCAL_EVENTS": "welcome,room_joined,twin_online,twin_offline", "METRICS_PORT": mport,
			"HEARTBEAT_INTERVAL": "200ms", "HEARTBEAT_TTL": "1s", "DRAIN_RATE": strconv.Itoa(rate), "DRAIN_TIMEOUT": "25s",
		})
		u, _ := url.Parse(base)
		lb.nodes = append(lb.nodes, lbNode{base: u, ready: "http://127.0.0.1:" + mport + "/readyz"})
		bases = append(bases, base)
		if procA == nil {
			procA = p
		}
	}
	procA.waitOutput(&procA.Stderr, `msg="peer up" node=sio-drain-a peer=sio-drain-b`)
	front := httptest.NewServer(&lb)
	t.Cleanup(front.Close)

	peer := siotest.StartPeer(t)
	names := make([]string, clients)
	for i := range names {
		names[i] = "s" + strconv.Itoa(i)
		c := siotest.Conn{Name: names[i], URL: front.URL, Reconnection: true, Auth: map[string]string{"userId": names[i]}}
		if i%2 == 1 {
			c.Transports = []string{"websocket"}
		}
		peer.MustConnect(t, c)
	}
	testkit.WaitUntil(t, procWait, "node A to hold every socket", func() bool {
		h, _ := getHealth(bases[0])
		return h["connections"] == float64(clients)
	})

	signalled := time.Now()
	procA.signal(syscall.SIGTERM)
	closed := make(map[string]time.Time)
	testkit.WaitUntil(t, procWait, "every socket to be disconnected", func() bool {
		for _, n := range names {
			if _, ok := closed[n]; !ok && peer.Count(n, "disconnect", "") > 0 {
				closed[n] = time.Now()
			}
		}
		return len(closed) == clients
	})
	if code := procA.exitCode(); code != 0 {
		t.Fatalf("node A exit code %d after its drain, want 0", code)
	}
	var times []time.Time
	for _, n := range names {
		if m := peer.Wait(t, n, "disconnect", ""); m.Reason != "transport close" {
			t.Errorf("%s disconnected with %q, want the reconnectable \"transport close\"", n, m.Reason)
		}
		peer.WaitConnect(t, n)
		times = append(times, closed[n])
	}
	slices.SortFunc(times, func(x, y time.Time) int { return x.Compare(y) })
	span, want := times[len(times)-1].Sub(times[0]), time.Duration(clients-1)*time.Second/rate
	t.Logf("disconnects began %v after SIGTERM and spanned %v (%d sockets at %d/s: %v expected)",
		times[0].Sub(signalled), span, clients, rate, want)
	if span < want*6/10 {
		t.Fatalf("sockets disconnected within %v: not paced at DRAIN_RATE=%d", span, rate)
	}
	testkit.WaitUntil(t, procWait, "node B to hold every socket", func() bool {
		h, _ := getHealth(bases[1])
		return h["connections"] == float64(clients)
	})
}
