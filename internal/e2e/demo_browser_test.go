package e2e

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/sidecast/sidecast/internal/demo"
	"github.com/sidecast/sidecast/internal/redistest"
)

var updateDemoPNG = flag.Bool("update-demo-png", false, "write the in-memory run's screenshot to docs/demo.png (the README's picture)")

// TestDemoPageInBrowser runs `sidecast demo` as a user does and uses its
// page in headless Chromium: a message typed in pane A and sent with Enter
// shows up in pane B as sent via node A and delivered by node B, and back;
// the live panel shows one client session and one mirror per node; the
// inputs are labelled and reachable by keyboard; the page logs no error
// (its Content-Security-Policy would log any asset from elsewhere); a
// screenshot is kept; Ctrl-C ends the demo with exit code 0 and the panes
// see the nodes go away. Once on the in-memory bus, once over Redis.
func TestDemoPageInBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	for _, tc := range []struct {
		name  string
		redis bool
		bus   string
	}{
		{"memory", false, "the in-memory bus"},
		{"redis", true, "Redis at redis://127.0.0.1:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"DEMO_PORT": "0"}
			if tc.redis {
				env["REDIS_URL"] = redistest.Start(t, redistest.Config{}).URL()
			}
			p := startProc(t, env, "demo")
			url := p.waitOutput(&p.Stdout, `(?m)^open (http://127\.0\.0\.1:\d+)/$`)[1]
			b := newBrowser(t, chromium)
			inBrowser(b, "open "+url, chromedp.Navigate(url+"/"))
			pollPage[bool](b, "both panes in the room", `document.querySelectorAll('.pane[data-state="joined"]').length === 2`)
			if mode := inBrowser(b, "read the mode line", chromedp.Text("#mode")); !strings.Contains(mode, tc.bus) {
				t.Errorf("mode line %q does not name %s", mode, tc.bus)
			}
			checkAccessible(t, b)
			checkChat(t, b, "a", "b", "hello from pane A", "sent via node A, delivered by node B")
			checkChat(t, b, "b", "a", "and hello back from B", "sent via node B, delivered by node A")
			checkLiveStats(t, b)
			if errs := b.consoleErrors(); len(errs) > 0 {
				t.Errorf("the page logged errors:\n%s", strings.Join(errs, "\n"))
			}
			shot := inBrowser(b, "screenshot", chromedp.FullScreenshot(100))
			writeArtifact(t, "demo-page-"+tc.name+".png", shot)
			if *updateDemoPNG && !tc.redis {
				writeREADMEPicture(t, shot)
			}

			p.signal(syscall.SIGINT)
			pollPage[bool](b, "both panes disconnected", `document.querySelectorAll('.pane[data-state="closed"]').length === 2`)
			if code := p.exitCode(); code != 0 {
				t.Fatalf("exit code %d after SIGINT, want 0", code)
			}
		})
	}
}

var latencyRE = regexp.MustCompile(` in (\d+(?:\.\d+)?) ms$`)

// checkChat types text into pane from, presses Enter and waits for it in
// pane to, whose line must say where it came from and how long it took.
func checkChat(t *testing.T, b *browser, from, to, text, route string) {
	t.Helper()
	inBrowser(b, "type in pane "+from, chromedp.SendKeys("#text-"+from, text+kb.Enter))
	sel := `#log-` + to + ` li.said`
	line := pollPage[string](b, text+" in pane "+to, `[...document.querySelectorAll('`+sel+`')]
		.map((li) => li.textContent).find((s) => s.includes(`+strconv.Quote(text)+`)) || ""`)
	if !strings.Contains(line, route) {
		t.Fatalf("pane %s shows %q, want it to say %q", to, line, route)
	}
	m := latencyRE.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("pane %s shows %q without a latency", to, line)
	}
	t.Logf("pane %s → pane %s: %q (%s ms)", from, to, line, m[1])
	if left := inBrowser(b, "read pane "+from+"'s input", chromedp.Evaluate[string](`document.getElementById("text-`+from+`").value`)); left != "" {
		t.Errorf("pane %s's input still holds %q after sending", from, left)
	}
}

// checkAccessible checks what a keyboard or screen-reader user relies on:
// every control has a label, new messages are announced, and Tab goes
// through pane A's input and button, then pane B's.
func checkAccessible(t *testing.T, b *browser) {
	t.Helper()
	problems := inBrowser(b, "audit the page", chromedp.Evaluate[[]string](`(() => {
		const out = [];
		for (const el of document.querySelectorAll("input, button")) {
			const name = el.labels && el.labels.length ? el.labels[0].textContent.trim() : el.textContent.trim();
			if (!name) out.push(el.id + " has no label");
		}
		for (const log of document.querySelectorAll(".log")) {
			if (log.getAttribute("aria-live") !== "polite") out.push(log.id + " is not aria-live");
		}
		if (document.documentElement.lang === "") out.push("no lang on html");
		return out;
	})()`))
	for _, p := range problems {
		t.Errorf("accessibility: %s", p)
	}
	inBrowser(b, "focus pane A's input", chromedp.Focus("#text-a"))
	for _, want := range []string{"send-a", "text-b", "send-b"} {
		inBrowser(b, "press Tab", chromedp.KeyEvent(kb.Tab))
		if got := inBrowser(b, "read focus", chromedp.Evaluate[string](`document.activeElement.id`)); got != want {
			t.Errorf("Tab moved focus to %q, want %q", got, want)
		}
	}
}

// checkLiveStats waits for the panel to show, on each node, the pane on it
// as its one client session and the other pane's session as its one mirror.
func checkLiveStats(t *testing.T, b *browser) {
	t.Helper()
	row := func(id, col string) string {
		return `(document.querySelector('#stats-body tr[data-node="` + id + `"] td.` + col + `') || {}).textContent`
	}
	expr := ""
	for _, id := range demo.NodeIDs {
		expr += row(id, "sessions") + ` === "1" && ` + row(id, "mirrors") + ` === "1" && `
	}
	pollPage[bool](b, "one session and one mirror per node", expr+"true")
	table := inBrowser(b, "read the stats", chromedp.Text("#stats-body"))
	t.Logf("live stats:\n%s", table)
}

// writeREADMEPicture replaces docs/demo.png, the picture of the page the
// README shows next to `go run . demo`.
func writeREADMEPicture(t *testing.T, png []byte) {
	t.Helper()
	path := filepath.Join(repoRoot, "docs", "demo.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", path, len(png))
}
