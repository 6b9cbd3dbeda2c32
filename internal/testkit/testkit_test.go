package testkit

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestProcessOutputAndExitCode(t *testing.T) {
	tests := []struct {
		name   string
		script string
		merged bool
		want   string // regexp on Stdout
		code   int
	}{
		{"stdout", "echo ready; exit 3", false, `(?m)^ready$`, 3},
		{"merged stderr", "echo oops >&2; exit 0", true, `(?m)^oops$`, 0},
		{"environment is exact", `echo "x=$X home=${HOME:+set}"`, false, `(?m)^x=1 home=set$`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := StartProcess(ProcessConfig{Path: "sh", Args: []string{"-c", tt.script}, Env: []string{"X=1"}, Merged: tt.merged})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Stop()
			if _, err := p.WaitOutput(&p.Stdout, tt.want, 10*time.Second); err != nil {
				t.Fatalf("%v; stdout %q", err, p.Stdout.String())
			}
			code, ok := p.Wait(10 * time.Second)
			if !ok || code != tt.code {
				t.Fatalf("exit code %d (ended %v), want %d", code, ok, tt.code)
			}
		})
	}
}

func TestProcessStopEndsALongRunningProgram(t *testing.T) {
	p, err := StartProcess(ProcessConfig{Path: "sleep", Args: []string{"60"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Wait(50 * time.Millisecond); ok {
		t.Fatal("sleep 60 ended at once")
	}
	p.Stop()
	p.Stop() // idempotent
	select {
	case <-p.Exited():
	default:
		t.Fatal("Stop returned before the process ended")
	}
	if ws, ok := p.Cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGTERM {
		t.Fatalf("ended with %v, want SIGTERM", p.Cmd.ProcessState)
	}
}

func TestWaitOutputReportsAnEarlyExit(t *testing.T) {
	p, err := StartProcess(ProcessConfig{Path: "sh", Args: []string{"-c", "echo other"}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if _, err := p.WaitOutput(&p.Stdout, "never printed", 10*time.Second); err == nil {
		t.Fatal("WaitOutput found a line the process never printed")
	}
}

func TestWaitUntilReturnsOnceTheConditionHolds(t *testing.T) {
	var calls atomic.Int32
	took := WaitUntil(t, 10*time.Second, "the third call", func() bool { return calls.Add(1) >= 3 })
	if calls.Load() != 3 || took <= 0 {
		t.Fatalf("%d calls, took %v", calls.Load(), took)
	}
}

func TestPortAndWaitTCP(t *testing.T) {
	port := FreePort(t)
	if port == sharedRedisPort || port <= 0 {
		t.Fatalf("port %d", port)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the free port %d cannot be bound: %v", port, err)
	}
	defer ln.Close()
	WaitTCP(t, 10*time.Second, addr)
}

func TestRepoRootAndNodeDir(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("RepoRoot %s holds no go.mod: %v", root, err)
	}
	if _, err := NodeDir("no/such/folder", "socket.io"); err == nil {
		t.Fatalf("NodeDir accepted a folder that does not exist under %s", root)
	}
}

// TestPortNeverRepeats: ports handed out in one process are all different,
// so two settings of one test never get the same port.
func TestPortNeverRepeats(t *testing.T) {
	seen := map[int]bool{}
	for range 500 {
		port := FreePort(t)
		if seen[port] {
			t.Fatalf("port %d handed out twice", port)
		}
		seen[port] = true
	}
}
