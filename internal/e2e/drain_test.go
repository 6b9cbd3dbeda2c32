package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/sidecast/sidecast/examples/wschat"
	"github.com/sidecast/sidecast/internal/demo"
	"github.com/sidecast/sidecast/internal/ops"
	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// drainedClient is a client of the drained node: when.closed is when its
// connection ended, code how.
type drainedClient struct {
	c      *demo.Client
	closed time.Time
	code   ws.StatusCode
	moved  error        // reconnecting to the other node, nil once it chats there
	again  *demo.Client // the connection to the other node
}

// TestDrainMovesClients runs two binaries over a real redis-server, puts
// clients on node A and sends A SIGTERM: A turns not ready and refuses new
// sessions, closes its clients with 1001 at DRAIN_RATE (not all at once),
// they reconnect to node B and chat there, and A exits 0.
func TestDrainMovesClients(t *testing.T) {
	const (
		clients = 8
		rate    = 4
	)
	rs := redistest.Start(t, redistest.Config{})
	chatA, chatB := startChat(t), startChat(t)
	env := func(id string) map[string]string {
		return map[string]string{"SERVER_ID": id, "REDIS_URL": rs.URL(), "MIRROR_EVENTS": "join,leave",
			"HEARTBEAT_INTERVAL": "200ms", "HEARTBEAT_TTL": "1s", "METRICS_PORT": strconv.Itoa(testkit.FreePort(t)),
			"DRAIN_RATE": strconv.Itoa(rate), "DRAIN_TIMEOUT": "25s", "LOG_LEVEL": "debug"}
	}
	envA := env("drain-a")
	a, baseA := startNodeProc(t, chatA.URL, envA)
	_, baseB := startNodeProc(t, chatB.URL, env("drain-b"))
	a.waitOutput(&a.Stderr, `msg="peer up" node=drain-a peer=drain-b`)

	ctx := context.Background()
	list := make([]*drainedClient, clients)
	for i := range list {
		c, err := demo.Dial(ctx, demo.WSURL(baseA), "d"+strconv.Itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		if err := c.Send(wschat.Message{Type: "join", Room: "drain"}); err != nil {
			t.Fatal(err)
		}
		list[i] = &drainedClient{c: c}
	}
	done := make(chan *drainedClient, clients)
	for i, dc := range list {
		go dc.waitAndMove(ctx, baseB, "d"+strconv.Itoa(i), done)
	}
	testkit.WaitUntil(t, procWait, "node A to hold every client", func() bool {
		h, _ := getHealth(baseA)
		return h["connections"] == float64(clients)
	})

	signalled := time.Now()
	a.signal(syscall.SIGTERM)
	sawDraining := waitDraining(t, baseA, "http://127.0.0.1:"+envA["METRICS_PORT"])
	for range clients {
		select {
		case <-done:
		case <-time.After(procWait):
			t.Fatal("a client of node A was never closed")
		}
	}
	if code := a.exitCode(); code != 0 {
		t.Fatalf("node A exit code %d after its drain, want 0", code)
	}
	a.waitOutput(&a.Stderr, `msg=drained node=drain-a sessions=`+strconv.Itoa(clients))
	if !sawDraining {
		t.Error("node A never answered 503 draining while it drained")
	}
	var times []time.Time
	for i, dc := range list {
		if dc.code != ws.StatusGoingAway {
			t.Errorf("client %d closed with %d, want 1001", i, dc.code)
		}
		if dc.moved != nil {
			t.Errorf("client %d did not move to node B: %v", i, dc.moved)
		} else {
			t.Cleanup(dc.again.Close)
		}
		times = append(times, dc.closed)
	}
	slices.SortFunc(times, func(x, y time.Time) int { return x.Compare(y) })
	span := times[len(times)-1].Sub(times[0])
	want := time.Duration(clients-1) * time.Second / rate
	t.Logf("closes began %v after SIGTERM and spanned %v (%d clients at %d/s: %v expected)",
		times[0].Sub(signalled), span, clients, rate, want)
	if span < want*6/10 {
		t.Fatalf("clients closed within %v: not paced at DRAIN_RATE=%d (want about %v)", span, rate, want)
	}
	testkit.WaitUntil(t, procWait, "node B to hold every client", func() bool {
		h, _ := getHealth(baseB)
		return h["connections"] == float64(clients)
	})
}

// waitAndMove waits for the drained connection to end, then reconnects to
// the other node and checks it chats there; it reports on done.
func (dc *drainedClient) waitAndMove(ctx context.Context, other, user string, done chan<- *drainedClient) {
	for range dc.c.Messages() {
	}
	dc.closed, dc.code = time.Now(), dc.c.CloseCode()
	dc.again, dc.moved = chatOnce(ctx, other, user)
	done <- dc
}

// chatOnce connects user to base, joins a room and hears its own message;
// it returns the open connection.
func chatOnce(ctx context.Context, base, user string) (*demo.Client, error) {
	c, err := demo.Dial(ctx, demo.WSURL(base), user)
	if err != nil {
		return nil, err
	}
	text := "back from " + user
	if err := c.Send(wschat.Message{Type: "join", Room: "moved-" + user}); err != nil {
		c.Close()
		return nil, err
	}
	if err := c.Send(wschat.Message{Type: "say", Room: "moved-" + user, Text: text}); err != nil {
		c.Close()
		return nil, err
	}
	for {
		d, err := c.Next(ctx, demo.ScriptWait)
		if err != nil {
			c.Close()
			return nil, err
		}
		if d.Msg.Text == text {
			return c, nil
		}
	}
}

// waitDraining polls the drained node until its health and readiness say
// draining and a new session is refused; false if the node exits first.
func waitDraining(t *testing.T, base, opsBase string) bool {
	t.Helper()
	deadline := time.Now().Add(procWait)
	for time.Now().Before(deadline) {
		h, code := getHealth(base)
		if code == 0 {
			return false // gone
		}
		if code == http.StatusServiceUnavailable && h["status"] == ops.StatusDraining {
			if rc := statusOf(opsBase + "/readyz"); rc != http.StatusServiceUnavailable {
				t.Errorf("/readyz answered %d while draining", rc)
			}
			if _, err := demo.Dial(context.Background(), demo.WSURL(base), "latecomer"); err == nil {
				t.Error("a new session was accepted while draining")
			} else {
				t.Logf("new session while draining: %v", err)
			}
			return true
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not a stand-in for a condition
	}
	return false
}

func statusOf(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// TestDrainTimeoutWithSessionsLeft: at a drain rate too slow for
// DRAIN_TIMEOUT, the process closes what is left and exits 1.
func TestDrainTimeoutWithSessionsLeft(t *testing.T) {
	chat := startChat(t)
	p, base := startNodeProc(t, chat.URL, map[string]string{"DRAIN_RATE": "1", "DRAIN_TIMEOUT": "1500ms", "METRICS_PORT": "0"})
	ctx := context.Background()
	var cs []*demo.Client
	for i := range 5 {
		c, err := demo.Dial(ctx, demo.WSURL(base), fmt.Sprintf("slow%d", i))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		cs = append(cs, c)
	}
	testkit.WaitUntil(t, procWait, "five sessions", func() bool { h, _ := getHealth(base); return h["connections"] == float64(5) })
	p.signal(syscall.SIGTERM)
	if code := p.exitCode(); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	p.waitOutput(&p.Stderr, `drain timed out: [1-4] sessions still open`)
	for _, c := range cs {
		assertGoingAway(t, c)
	}
}
