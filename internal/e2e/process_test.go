package e2e

import (
	"flag"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/syncbuf"
	"github.com/sidecast/sidecast/internal/testkit"
)

// repoRoot is the repository, seen from this package: the tests build the
// command there and read its README and example configurations.
const repoRoot = "../.."

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
	if sidecastBin, err = testkit.BuildSidecast(dir, raceEnabled); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// procWait bounds how long a process test waits for any one condition;
// generous for a loaded two-core machine.
const procWait = 30 * time.Second

// proc is a running sidecast binary with its output captured, stopped when
// the test ends.
type proc struct {
	t *testing.T
	*testkit.Process
}

// startProc runs the binary with args and exactly the environment env
// (plus PATH and HOME), so the developer's own variables never leak in.
func startProc(t *testing.T, env map[string]string, args ...string) *proc {
	t.Helper()
	vars := make([]string, 0, len(env)+1)
	if _, ok := env["METRICS_PORT"]; !ok {
		// The default, 9090, is Prometheus's own port and may well be taken
		// where the tests run; a test that uses the ops server names a port.
		vars = append(vars, "METRICS_PORT=0")
	}
	for k, v := range env {
		vars = append(vars, k+"="+v)
	}
	tp, err := testkit.StartProcess(testkit.ProcessConfig{Path: sidecastBin, Args: args, Env: vars})
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, Process: tp}
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("sidecast %v stdout:\n%s\nstderr:\n%s", args, p.Stdout.String(), p.Stderr.String())
		}
	})
	return p
}

// exitCode waits for the process to end and returns its exit code.
func (p *proc) exitCode() int {
	p.t.Helper()
	code, ok := p.Wait(procWait)
	if !ok {
		p.t.Fatalf("sidecast did not exit within %s", procWait)
	}
	return code
}

func (p *proc) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.Signal(sig); err != nil {
		p.t.Fatalf("signal: %v", err)
	}
}

// waitOutput polls stdout or stderr until re matches, and returns the match.
func (p *proc) waitOutput(buf *syncbuf.Buffer, re string) []string {
	p.t.Helper()
	m, err := p.WaitOutput(buf, re, procWait)
	if err != nil {
		p.t.Fatal(err)
	}
	return m
}
