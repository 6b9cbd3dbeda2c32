package conformance

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
	"github.com/sidecast/sidecast/internal/syncbuf"
)

// PeerDir is the Node peer's folder, relative to the repository root.
const PeerDir = "internal/conformance/peer"

// Peer modes: which reference server the peer runs.
const (
	ModeEngineIO = "eio" // engine.io on /engine.io/
	ModeSocketIO = "sio" // socket.io on /socket.io/
)

// Peer is a running reference server.
type Peer struct {
	URL string // http://127.0.0.1:PORT

	cmd  *exec.Cmd
	out  *syncbuf.Buffer
	done chan struct{}
}

// StartPeer starts the reference server of mode on a free loopback port
// with the extra environment env ("PING_INTERVAL=300", …), waits until it
// accepts connections, and stops it when the test ends.
func StartPeer(t testing.TB, mode string, env ...string) *Peer {
	t.Helper()
	root, err := testkit.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, PeerDir)
	for _, m := range []string{"engine.io", "socket.io"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", m, "package.json")); err != nil {
			t.Fatalf("conformance: %s is not installed in %s: run `make npm`", m, PeerDir)
		}
	}
	port := freePort(t)
	p := &Peer{URL: "http://127.0.0.1:" + strconv.Itoa(port), out: &syncbuf.Buffer{Max: 1 << 20}, done: make(chan struct{})}
	p.cmd = exec.Command("node", "server.js")
	p.cmd.Dir = dir
	p.cmd.Env = append(append(os.Environ(), "MODE="+mode, "PORT="+strconv.Itoa(port)), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("conformance: start node server.js: %v", err)
	}
	go p.wait()
	t.Cleanup(func() { p.stop(t) })
	if err := p.waitListening(port, 15*time.Second); err != nil {
		t.Fatalf("conformance: peer did not come up: %v\noutput:\n%s", err, p.out.String())
	}
	return p
}

// wait reaps the process; it is the Peer's only goroutine.
func (p *Peer) wait() {
	_ = p.cmd.Wait()
	close(p.done)
}

func (p *Peer) waitListening(port int, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("process exited")
		case <-ctx.Done():
			return fmt.Errorf("%s not listening within %v (last error %v)", addr, limit, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (p *Peer) stop(t testing.TB) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	if t.Failed() {
		t.Logf("reference server output:\n%s", p.out.String())
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("conformance: free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
