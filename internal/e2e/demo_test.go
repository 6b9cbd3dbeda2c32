package e2e

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/sidecast/sidecast/examples/wschat"
	"github.com/sidecast/sidecast/internal/demo"
	"github.com/sidecast/sidecast/internal/redistest"
)

// TestDemo runs `sidecast demo` as a user does (DEMO_PORT=0): it checks the
// scripted exchange between alice on node-a and bob on node-b, that the
// printed addresses serve the demo page and, through each node, the
// backend's chat page, that two new clients on different nodes see each
// other's join, and that SIGINT ends it with exit code 0.
func TestDemo(t *testing.T) {
	p := startProc(t, map[string]string{"DEMO_PORT": "0"}, "demo")
	m := p.waitOutput(&p.Stdout, `(?m)^open (http://127\.0\.0\.1:\d+)/\n.*\nthe backend's own chat page through each node: (http://127\.0\.0\.1:\d+)/ and (http://127\.0\.0\.1:\d+)/$`)
	demoPage, baseA, baseB := m[1], m[2], m[3]
	out := p.Stdout.String()
	want := []string{
		`^node-a  sidecast at 127\.0\.0\.1:\d+ → backend examples/wschat at 127\.0\.0\.1:\d+$`,
		`^node-b  sidecast at 127\.0\.0\.1:\d+ → backend examples/wschat at 127\.0\.0\.1:\d+$`,
		`^nodes joined through the in-memory bus$`,
		`^alice → node-a  join lobby$`,
		`^alice ← node-a  joined lobby: alice  delivered in \S+$`,
		`^bob   → node-b  join lobby$`,
		`^alice ← node-a  joined lobby: bob  delivered in \S+$`,
		`^bob   ← node-b  joined lobby: bob  delivered in \S+$`,
		`^alice → node-a  say "hello bob" in lobby$`,
		`^bob   ← node-b  said "hello bob" in lobby from alice  delivered in \S+$`,
		`^alice ← node-a  said "hi alice, all good here" in lobby from bob  delivered in \S+$`,
		`^WebSocket clients connect to ws://127\.0\.0\.1:\d+/ws\?user=NAME or ws://127\.0\.0\.1:\d+/ws\?user=NAME`,
	}
	requireLines(t, out, want)
	if strings.Contains(out, "✗") {
		t.Errorf("a delivery is missing with mirrors on")
	}
	t.Logf("demo output:\n%s", out)

	if page := getPage(t, demoPage+"/"); !strings.Contains(page, "<title>sidecast demo") {
		t.Fatalf("GET %s/ is not the demo page: %.80q", demoPage, page)
	}
	for _, base := range []string{baseA, baseB} {
		if page := getPage(t, base+"/"); !strings.Contains(page, "<title>wschat</title>") {
			t.Fatalf("GET %s/ is not the chat page: %.80q", base, page)
		}
	}
	ctx := context.Background()
	carol := joinLobby(t, demo.WSURL(baseB), "carol")
	dave := joinLobby(t, demo.WSURL(baseA), "dave")
	// The script's own clients may still be leaving the lobby while carol
	// is in it: their "left" notices are right, and not what this waits for.
	for {
		d, err := carol.Next(ctx, demo.ScriptWait)
		if err == nil && d.Msg.Type == "left" && d.Msg.User != "dave" {
			continue
		}
		if err != nil || d.Msg.Type != "joined" || d.Msg.User != "dave" {
			t.Fatalf("carol on node-b got %+v, %v; want dave's join on node-a", d.Msg, err)
		}
		break
	}

	interruptCleanly(t, p)
	assertGoingAway(t, carol)
	assertGoingAway(t, dave)
}

// TestDemoWithoutMirrors: with MIRRORS=off the demo shows the problem
// sidecast solves — nothing crosses nodes — and still ends cleanly.
func TestDemoWithoutMirrors(t *testing.T) {
	p := startProc(t, map[string]string{"DEMO_PORT": "0", "MIRRORS": "off"}, "demo")
	p.waitOutput(&p.Stdout, `(?m)^Ctrl-C to stop\.$`)
	out := p.Stdout.String()
	want := []string{
		`^alice ✗ node-a  joined lobby: bob never arrived \(MIRRORS=off`,
		`^bob   ✗ node-b  said "hello bob" in lobby from alice never arrived`,
		`^alice ← node-a  said "hello bob" in lobby from alice  delivered in \S+$`,
		`^alice ✗ node-a  said "hi alice, all good here" in lobby from bob never arrived`,
	}
	requireLines(t, out, want)
	t.Logf("demo output:\n%s", out)
	interruptCleanly(t, p)
}

// requireLines reports every pattern of want (anchored per line) that no
// line of the demo's output matches.
func requireLines(t *testing.T, out string, want []string) {
	t.Helper()
	for _, re := range want {
		if !regexp.MustCompile(`(?m)` + re).MatchString(out) {
			t.Errorf("demo output lacks a line matching %s", re)
		}
	}
}

// interruptCleanly sends SIGINT, as Ctrl-C does, and requires exit code 0.
func interruptCleanly(t *testing.T, p *proc) {
	t.Helper()
	p.signal(syscall.SIGINT)
	if code := p.exitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGINT, want 0", code)
	}
}

func joinLobby(t *testing.T, base, user string) *demo.Client {
	t.Helper()
	ctx := context.Background()
	c, err := demo.Dial(ctx, base, user)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := c.Send(wschat.Message{Type: "join", Room: "lobby"}); err != nil {
		t.Fatal(err)
	}
	if d, err := c.Next(ctx, demo.ScriptWait); err != nil || d.Msg.Type != "joined" || d.Msg.User != user {
		t.Fatalf("%s got %+v, %v; want its own join", user, d.Msg, err)
	}
	return c
}

func getPage(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return string(body)
}

// TestDemoOverRedis: with REDIS_URL set the same demo runs its two nodes
// over a real redis-server.
func TestDemoOverRedis(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	p := startProc(t, map[string]string{"DEMO_PORT": "0", "REDIS_URL": rs.URL()}, "demo")
	p.waitOutput(&p.Stdout, `(?m)^Ctrl-C to stop\.$`)
	out := p.Stdout.String()
	want := []string{
		`^nodes joined through Redis at redis://127\.0\.0\.1:\d+/0$`,
		`^bob   ← node-b  said "hello bob" in lobby from alice  delivered in \S+$`,
		`^alice ← node-a  said "hi alice, all good here" in lobby from bob  delivered in \S+$`,
	}
	requireLines(t, out, want)
	t.Logf("demo output:\n%s", out)
	interruptCleanly(t, p)
}
