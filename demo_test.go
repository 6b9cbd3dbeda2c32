package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/sidecast/sidecast/examples/wschat"
)

// TestDemo runs `sidecast demo` as a user does (DEMO_PORT=0), checks the
// scripted exchange it prints, that the printed address serves the chat page
// and chats through sidecast, and that SIGINT ends it with exit code 0.
func TestDemo(t *testing.T) {
	p := startProc(t, map[string]string{"DEMO_PORT": "0"}, "demo")
	base := p.waitOutput(&p.stdout, `(?m)^open (http://127\.0\.0\.1:\d+)/$`)[1]
	out := p.stdout.String()
	want := []string{
		`^alice → node-a  join lobby$`,
		`^alice ← node-a  joined lobby: alice  delivered in \S+$`,
		`^bob   → node-a  join lobby$`,
		`^bob   ← node-a  joined lobby: bob  delivered in \S+$`,
		`^alice → node-a  say "hello bob" in lobby$`,
		`^bob   ← node-a  said "hello bob" in lobby from alice  delivered in \S+$`,
		`^alice ← node-a  said "hi alice, all good here" in lobby from bob  delivered in \S+$`,
		`^WebSocket clients connect to ws://127\.0\.0\.1:\d+/ws\?user=NAME`,
	}
	for _, re := range want {
		if !regexp.MustCompile(`(?m)` + re).MatchString(out) {
			t.Errorf("demo output lacks a line matching %s", re)
		}
	}
	t.Logf("demo output:\n%s", out)

	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "<title>wschat</title>") {
		t.Fatalf("GET %s/: %d %.80q", base, resp.StatusCode, page)
	}
	ctx := context.Background()
	c, err := dialDemo(ctx, wsURL(base), "carol")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.send(wschat.Message{Type: "join", Room: "lobby"}); err != nil {
		t.Fatal(err)
	}
	if d, err := c.next(ctx); err != nil || d.msg.Type != "joined" || d.msg.User != "carol" {
		t.Fatalf("got %+v, %v; want carol's joined", d.msg, err)
	}

	p.signal(syscall.SIGINT)
	if code := p.exitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGINT, want 0", code)
	}
	assertGoingAway(t, c)
}
