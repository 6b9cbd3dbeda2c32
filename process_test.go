package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/syncbuf"
)

// sidecastBin is the binary built once by TestMain; the process tests run
// it as users do.
var sidecastBin string

func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		os.Exit(m.Run()) // fuzzing (.ci/fuzz.sh) runs no process test: skip the build
	}
	dir, err := os.MkdirTemp("", "sidecast-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sidecastBin = filepath.Join(dir, "sidecast")
	args := []string{"build", "-o", sidecastBin}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building sidecast:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// procWait bounds how long a process test waits for any one condition;
// generous for a loaded two-core machine.
const procWait = 30 * time.Second

// proc is a running sidecast binary with its output captured.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdout syncbuf.Buffer
	stderr syncbuf.Buffer
	exited chan struct{}
	err    error
}

// startProc runs the binary with args and exactly the environment env
// (plus PATH and HOME), so the developer's own variables never leak in.
func startProc(t *testing.T, env map[string]string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, exited: make(chan struct{})}
	p.cmd = exec.Command(sidecastBin, args...)
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	if _, ok := env["METRICS_PORT"]; !ok {
		// The default, 9090, is Prometheus's own port and may well be taken
		// where the tests run; a test that uses the ops server names a port.
		p.cmd.Env = append(p.cmd.Env, "METRICS_PORT=0")
	}
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start sidecast: %v", err)
	}
	go p.waitLoop()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("sidecast %v stdout:\n%s\nstderr:\n%s", args, p.stdout.String(), p.stderr.String())
		}
	})
	return p
}

// waitLoop reaps the process; the test's cleanup waits for it.
func (p *proc) waitLoop() {
	p.err = p.cmd.Wait()
	close(p.exited)
}

// exitCode waits for the process to end and returns its exit code.
func (p *proc) exitCode() int {
	p.t.Helper()
	select {
	case <-p.exited:
	case <-time.After(procWait):
		p.t.Fatalf("sidecast did not exit within %s", procWait)
	}
	return p.cmd.ProcessState.ExitCode()
}

func (p *proc) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal: %v", err)
	}
}

// waitOutput polls stdout or stderr until re matches, and returns the match.
func (p *proc) waitOutput(buf *syncbuf.Buffer, re string) []string {
	p.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(procWait)
	for {
		if m := rx.FindStringSubmatch(buf.String()); m != nil {
			return m
		}
		select {
		case <-p.exited:
			if m := rx.FindStringSubmatch(buf.String()); m != nil {
				return m
			}
			p.t.Fatalf("sidecast exited (%v) before printing %q", p.err, re)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("no output matching %q within %s", re, procWait)
		}
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitUntil polls cond until it holds or procWait passes.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), procWait)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
