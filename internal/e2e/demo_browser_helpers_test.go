package e2e

import (
	"context"
	"iter"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's chromium; the browser tests fail without it,
// since a skipped browser test would look like a passing one.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium is not installed: the demo page's browser test needs it (apt-get install -y chromium)")
	return ""
}

// browser is one headless Chromium with one tab. consoleLoop, started by
// newBrowser and stopped by its cleanup, keeps what the page writes to its
// console so a test can insist the page logged no error.
type browser struct {
	t       *testing.T
	ctx     context.Context
	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// newBrowser starts Chromium with a fresh profile and a fixed window, so
// screenshots are the same size from run to run.
func newBrowser(t *testing.T, execPath string) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(execPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1100, 940),
	}
	for _, flag := range []string{"headless", "no-sandbox", "disable-gpu", "disable-quic", "no-first-run",
		"disable-background-networking", "disable-component-update", "disable-sync", "hide-scrollbars"} {
		opts = append(opts, chromedp.Flag(flag, true))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	b := &browser{t: t, ctx: ctx}
	started := time.Now()
	if err := chromedp.Do(ctx); err != nil { // starts the browser, no deadline (see chromedp.Run)
		cancelTab()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	t.Logf("chromium started in %s", time.Since(started).Round(time.Millisecond))
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go b.consoleLoop(messages, done)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		<-done
	})
	return b
}

func (b *browser) consoleLoop(messages iter.Seq2[chromedp.ConsoleMessage, error], done chan<- struct{}) {
	defer close(done)
	for m, err := range messages {
		if err != nil {
			return
		}
		b.mu.Lock()
		b.console = append(b.console, m)
		b.mu.Unlock()
	}
}

// consoleErrors lists the errors and exceptions the page logged so far.
func (b *browser) consoleErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var errs []string
	for _, m := range b.console {
		if m.Type == chromedp.ConsoleError || m.IsException() {
			errs = append(errs, m.String()+" at "+m.URL)
		}
	}
	return errs
}

// inBrowser runs one step within procWait, failing the test with what.
func inBrowser[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, procWait)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// pollPage polls a JavaScript expression until it is truthy and returns its
// value.
func pollPage[T any](b *browser, what, expr string) T {
	b.t.Helper()
	return inBrowser(b, "waiting for "+what, chromedp.Poll[T](expr,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(procWait)))
}

// artifactDir is where a test leaves files for people to look at:
// $SIDECAST_ARTIFACTS when set (CI keeps it), else the test's temp dir.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SIDECAST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(t.TempDir(), "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// writeArtifact writes p as name under artifactDir and logs its path.
func writeArtifact(t *testing.T, name string, p []byte) string {
	t.Helper()
	path := filepath.Join(artifactDir(t), strings.ReplaceAll(name, "/", "-"))
	if err := os.WriteFile(path, p, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("artifact: %s (%d bytes)", path, len(p))
	return path
}
