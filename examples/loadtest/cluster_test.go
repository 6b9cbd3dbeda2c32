package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/siotest"
)

// waitLimit bounds every wait of these tests; generous for a loaded
// two-core machine.
const waitLimit = 60 * time.Second

// sidecastProc is a running sidecast binary with its stderr captured.
type sidecastProc struct {
	base   string
	cmd    *exec.Cmd
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan struct{}
}

func (p *sidecastProc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.Write(b)
}

func (p *sidecastProc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

func (p *sidecastProc) wait() {
	_ = p.cmd.Wait()
	close(p.done)
}

// buildSidecast builds the repository's binary once per test.
func buildSidecast(t *testing.T) string {
	t.Helper()
	root, err := siotest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "sidecast")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build sidecast: %v\n%s", err, out)
	}
	return bin
}

// startSidecast runs bin as node id in front of backend with exactly env
// (plus PATH and HOME) and waits until its health path answers.
func startSidecast(t *testing.T, bin, id, backend, redisURL string) *sidecastProc {
	t.Helper()
	port := strconv.Itoa(freePort(t))
	p := &sidecastProc{base: "http://127.0.0.1:" + port, done: make(chan struct{})}
	p.cmd = exec.Command(bin)
	p.cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"SERVER_ID=" + id, "SERVER_PORT=" + port, "BACKEND_URL=" + backend, "PROTOCOL=socketio",
		"REDIS_URL=" + redisURL, "METRICS_PORT=0", "LOG_FORMAT=text",
		"MIRROR_EVENTS=join_twin_room,leave_twin_room",
		"LOCAL_EVENTS=welcome,room_joined,twin_online,twin_offline",
		"HEARTBEAT_INTERVAL=200ms", "HEARTBEAT_TTL=5s",
	}
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start sidecast: %v", err)
	}
	go p.wait()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// waitOutput polls p's log for want until waitLimit.
func waitOutput(t *testing.T, p *sidecastProc, want string) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !strings.Contains(p.output(), want) {
		select {
		case <-p.done:
			t.Fatalf("sidecast exited before logging %q:\n%s", want, p.output())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log within %v:\n%s", want, waitLimit, p.output())
		}
		time.Sleep(20 * time.Millisecond) // polling the log with a deadline
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestTwoSidecastNodes runs the generator at a tiny load against two
// sidecast binaries, each in front of its own unmodified example backend,
// over a real Redis: every message must reach both members exactly once,
// the partner's copy across the two nodes.
func TestTwoSidecastNodes(t *testing.T) {
	bin := buildSidecast(t)
	rd := redistest.Start(t, redistest.Config{})
	a := startSidecast(t, bin, "node-a", siotest.StartServer(t).URL, rd.URL())
	b := startSidecast(t, bin, "node-b", siotest.StartServer(t).URL, rd.URL())
	waitOutput(t, a, `msg="peer up" node=node-a peer=node-b`)
	waitOutput(t, b, `msg="peer up" node=node-b peer=node-a`)

	cfg := config{Protocol: "socketio", A: a.base, B: b.base, Pairs: 10, Rate: 100, Duration: 2 * time.Second,
		ConnectLimit: waitLimit, Concurrency: 20, Drain: 20 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitLimit)
	defer cancel()
	res, err := run(ctx, cfg)
	if err != nil {
		t.Fatalf("run: %v\nnode-a:\n%s\nnode-b:\n%s", err, a.output(), b.output())
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
}
