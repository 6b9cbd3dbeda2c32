package testkit

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"time"

	"github.com/sidecast/sidecast/internal/syncbuf"
)

// stopGrace is how long Stop waits after SIGTERM before it kills.
const stopGrace = 5 * time.Second

// Process is a running program with its output captured. Its only
// goroutine, waitLoop, reaps it; Stop (or Kill) ends it and waits.
type Process struct {
	Cmd    *exec.Cmd
	Stdout syncbuf.Buffer
	Stderr syncbuf.Buffer

	exited   chan struct{}
	err      error // Wait's result, readable once exited is closed
	stopOnce sync.Once
}

// ProcessConfig says what to run. Env is the whole environment: the test's
// own variables never leak in, except PATH and HOME, which are added.
type ProcessConfig struct {
	Path string   // the program
	Args []string // its arguments
	Dir  string   // working directory; the test's when empty
	Env  []string // KEY=value
	// Merged sends stderr into Stdout, for programs whose log order across
	// both streams matters.
	Merged bool
	// MaxOutput bounds each captured stream in bytes; 0 keeps everything.
	MaxOutput int
	// Output, when set, receives both streams instead of the buffers (a
	// log file the test keeps when it fails).
	Output io.Writer
}

// StartProcess starts the program; the caller owns it and must Stop it.
func StartProcess(cfg ProcessConfig) (*Process, error) {
	p := &Process{exited: make(chan struct{})}
	p.Stdout.Max, p.Stderr.Max = cfg.MaxOutput, cfg.MaxOutput
	p.Cmd = exec.Command(cfg.Path, cfg.Args...)
	p.Cmd.Dir = cfg.Dir
	p.Cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, cfg.Env...)
	p.Cmd.Stdout, p.Cmd.Stderr = &p.Stdout, &p.Stderr
	if cfg.Merged {
		p.Cmd.Stderr = &p.Stdout
	}
	if cfg.Output != nil {
		p.Cmd.Stdout, p.Cmd.Stderr = cfg.Output, cfg.Output
	}
	if err := p.Cmd.Start(); err != nil {
		return nil, fmt.Errorf("testkit: start %s: %w", cfg.Path, err)
	}
	go p.waitLoop()
	return p, nil
}

// waitLoop reaps the process; Stop and Wait wait for it in turn.
func (p *Process) waitLoop() {
	p.err = p.Cmd.Wait()
	close(p.exited)
}

// Exited is closed once the process has ended.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Err is how the process ended (exec.Cmd.Wait); valid once Exited is closed.
func (p *Process) Err() error { return p.err }

// Wait waits up to within for the process to end and returns its exit code;
// ok is false when it is still running then.
func (p *Process) Wait(within time.Duration) (code int, ok bool) {
	select {
	case <-p.exited:
		return p.Cmd.ProcessState.ExitCode(), true
	case <-time.After(within):
		return 0, false
	}
}

// Signal sends sig to the process.
func (p *Process) Signal(sig syscall.Signal) error { return p.Cmd.Process.Signal(sig) }

// Stop ends the process (SIGTERM, then SIGKILL after a grace) and waits for
// it; idempotent.
func (p *Process) Stop() {
	p.stopOnce.Do(func() {
		_ = p.Cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(stopGrace):
			_ = p.Cmd.Process.Kill()
			<-p.exited
		}
	})
}

// Kill ends the process at once and waits for it; idempotent with Stop.
func (p *Process) Kill() {
	p.stopOnce.Do(func() {
		_ = p.Cmd.Process.Kill()
		<-p.exited
	})
}

// WaitOutput polls buf (the process's Stdout or Stderr) until re matches
// and returns the match; it fails when the process exits first or within
// passes.
func (p *Process) WaitOutput(buf *syncbuf.Buffer, re string, within time.Duration) ([]string, error) {
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(within)
	for {
		if m := rx.FindStringSubmatch(buf.String()); m != nil {
			return m, nil
		}
		select {
		case <-p.exited:
			if m := rx.FindStringSubmatch(buf.String()); m != nil {
				return m, nil
			}
			return nil, fmt.Errorf("the process exited (%v) before printing %q", p.err, re)
		case <-time.After(pollEvery):
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no output matching %q within %s", re, within)
		}
	}
}
