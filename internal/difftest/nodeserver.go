package difftest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/sidecast/sidecast/internal/syncbuf"
)

// Example Node backends, relative to the repository root.
const (
	ChatServerDir   = "examples/socketio-chat"
	NoticeServerDir = "examples/socketio-notice"
)

// NodeServer is one running example Node backend (server.js).
type NodeServer struct {
	URL string // http://127.0.0.1:PORT

	cmd       *exec.Cmd
	out       *syncbuf.Buffer
	done      chan struct{}
	closeOnce sync.Once
}

// StartNodeServer starts dir/server.js (dir relative to the repository
// root) on a free loopback port with the extra environment env and waits
// until GET /health answers 200.
func StartNodeServer(root, dir string, env ...string) (*NodeServer, error) {
	abs := filepath.Join(root, dir)
	if err := checkNode(abs, "socket.io"); err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	s := &NodeServer{URL: "http://127.0.0.1:" + strconv.Itoa(port), out: &syncbuf.Buffer{Max: 1 << 20}, done: make(chan struct{})}
	s.cmd = exec.Command("node", "server.js")
	s.cmd.Dir = abs
	s.cmd.Env = append(append(os.Environ(), "PORT="+strconv.Itoa(port), "HOST=127.0.0.1"), env...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("difftest: start %s: %w", dir, err)
	}
	go s.reap()
	if err := WaitHTTP(s.URL+"/health", 15*time.Second, s.done); err != nil {
		s.Close()
		return nil, fmt.Errorf("difftest: %s did not come up: %w\n%s", dir, err, s.out.String())
	}
	return s, nil
}

// reap waits for the process; Close waits for it in turn.
func (s *NodeServer) reap() {
	_ = s.cmd.Wait()
	close(s.done)
}

// Output is what the server printed, for failure messages.
func (s *NodeServer) Output() string { return s.out.String() }

// Close stops the server (SIGTERM, then SIGKILL) and waits; idempotent.
func (s *NodeServer) Close() {
	s.closeOnce.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	})
}

// WaitHTTP polls url until it answers 200, limit passes, or gone closes.
func WaitHTTP(url string, limit time.Duration, gone <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var last error
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		last = err
		select {
		case <-gone:
			return fmt.Errorf("process exited (last error %v)", last)
		case <-ctx.Done():
			return fmt.Errorf("%w: %s not healthy within %v (last error %v)", ErrTimeout, url, limit, last)
		case <-time.After(25 * time.Millisecond): // polling the server's readiness
		}
	}
}

// FreePort asks the kernel for a free loopback port, never 6379.
func FreePort() (int, error) {
	for range 10 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("difftest: free port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if port != 6379 {
			return port, nil
		}
	}
	return 0, fmt.Errorf("difftest: no free port")
}

// RepoRoot returns the directory of the module's go.mod, found by walking
// up from the working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("difftest: working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNoRepoRoot
		}
		dir = parent
	}
}
