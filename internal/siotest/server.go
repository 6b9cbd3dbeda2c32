package siotest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/syncbuf"
)

// ServerDir is the example backend's folder, relative to the repository root.
const ServerDir = "examples/socketio-chat"

// Server is a running examples/socketio-chat process.
type Server struct {
	URL  string // http://127.0.0.1:PORT
	Port int

	cmd  *exec.Cmd
	out  *syncbuf.Buffer
	done chan struct{}
}

// StartServer starts the example server on a free loopback port with the
// extra environment env ("PING_INTERVAL=300", …), waits until GET /health
// answers, and stops it when the test ends.
func StartServer(t testing.TB, env ...string) *Server {
	t.Helper()
	dir := nodeDir(t, ServerDir, "socket.io")
	port := freePort(t)
	s := &Server{URL: "http://127.0.0.1:" + strconv.Itoa(port), Port: port, out: &syncbuf.Buffer{}, done: make(chan struct{})}
	s.cmd = exec.Command("node", "server.js")
	s.cmd.Dir = dir
	s.cmd.Env = append(append(os.Environ(), "PORT="+strconv.Itoa(port), "HOST=127.0.0.1"), env...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("siotest: start node server.js: %v", err)
	}
	go s.wait()
	t.Cleanup(func() { s.stop(t) })
	if err := s.waitHealthy(15 * time.Second); err != nil {
		t.Fatalf("siotest: example server did not come up: %v\noutput:\n%s", err, s.out.String())
	}
	return s
}

// wait reaps the process; it is the Server's only goroutine.
func (s *Server) wait() {
	_ = s.cmd.Wait()
	close(s.done)
}

func (s *Server) waitHealthy(limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/health", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("process exited")
		case <-ctx.Done():
			return fmt.Errorf("no healthy answer within %v (last error %v)", limit, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (s *Server) stop(t testing.TB) {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	if t.Failed() {
		t.Logf("example server output:\n%s", s.out.String())
	}
}

// Output returns what the server printed so far.
func (s *Server) Output() string { return s.out.String() }

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("siotest: free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
