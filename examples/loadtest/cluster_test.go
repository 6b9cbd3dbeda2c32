package main

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/siotest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// waitLimit bounds every wait of these tests; generous for a loaded
// two-core machine.
const waitLimit = 60 * time.Second

// startSidecast runs bin as node id in front of backend with exactly this
// environment (plus PATH and HOME), stopped when the test ends.
func startSidecast(t *testing.T, bin, id, backend, redisURL string) (*testkit.Process, string) {
	t.Helper()
	port := strconv.Itoa(testkit.FreePort(t))
	p, err := testkit.StartProcess(testkit.ProcessConfig{Path: bin, Merged: true, Env: []string{
		"SERVER_ID=" + id, "SERVER_PORT=" + port, "BACKEND_URL=" + backend, "PROTOCOL=socketio",
		"REDIS_URL=" + redisURL, "METRICS_PORT=0", "LOG_FORMAT=text",
		"MIRROR_EVENTS=join_twin_room,leave_twin_room",
		"LOCAL_EVENTS=welcome,room_joined,twin_online,twin_offline",
		"HEARTBEAT_INTERVAL=200ms", "HEARTBEAT_TTL=5s",
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	return p, "http://127.0.0.1:" + port
}

// waitOutput waits until p logged a line matching re.
func waitOutput(t *testing.T, p *testkit.Process, re string) {
	t.Helper()
	if _, err := p.WaitOutput(&p.Stdout, re, waitLimit); err != nil {
		t.Fatalf("%v:\n%s", err, p.Stdout.String())
	}
}

// TestTwoSidecastNodes runs the generator at a tiny load against two
// sidecast binaries, each in front of its own unmodified example backend,
// over a real Redis: every message must reach both members exactly once,
// the partner's copy across the two nodes, and every steady connect after
// the drain must join and be timed.
func TestTwoSidecastNodes(t *testing.T) {
	bin, err := testkit.BuildSidecast(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	rd := redistest.Start(t, redistest.Config{})
	a, baseA := startSidecast(t, bin, "node-a", siotest.StartServer(t).URL, rd.URL())
	b, baseB := startSidecast(t, bin, "node-b", siotest.StartServer(t).URL, rd.URL())
	waitOutput(t, a, `msg="peer up" node=node-a peer=node-b`)
	waitOutput(t, b, `msg="peer up" node=node-b peer=node-a`)

	cfg := config{Protocol: "socketio", Entries: []string{baseA, baseB}, Pairs: 10, Rate: 100, Duration: 2 * time.Second,
		ConnectLimit: waitLimit, Concurrency: 20, Drain: 20 * time.Second, Steady: 6, SteadyRate: 50}
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitLimit)
	defer cancel()
	res, err := run(ctx, cfg)
	if err != nil {
		t.Fatalf("run: %v\nnode-a:\n%s\nnode-b:\n%s", err, a.Stdout.String(), b.Stdout.String())
	}
	t.Logf("%+v", res)
	if res.Sent != int64(cfg.Rate)*2+1 {
		t.Errorf("sent %d messages, want %d", res.Sent, cfg.Rate*2+1)
	}
	for name, got := range map[string]int64{
		"lost": res.Lost, "lost own copies": res.LostSelf, "duplicated": res.Duplicated,
		"misrouted": res.Misrouted, "send errors": res.SendErrors,
	} {
		if got != 0 {
			t.Errorf("%s: %d, want 0", name, got)
		}
	}
	if res.Acks < res.Sent {
		t.Errorf("acks %d for %d messages", res.Acks, res.Sent)
	}
	for name, l := range map[string]latencies{"partner": res.LatencyMs, "own": res.SelfLatencyMs} {
		if l.P50 <= 0 || l.P99 < l.P50 || l.Max < l.P99 {
			t.Errorf("%s copies' latencies %+v are not ordered positive values", name, l)
		}
	}
	if res.SteadyConnects != cfg.Steady || res.SteadyConnectErrors != 0 {
		t.Errorf("steady connects: %d joined, %d failed; want %d and 0", res.SteadyConnects, res.SteadyConnectErrors, cfg.Steady)
	}
	if l := res.SteadyConnectMs; l.P50 <= 0 || l.P99 < l.P50 || l.Max < l.P99 {
		t.Errorf("steady connect times %+v are not ordered positive values", l)
	}
}
