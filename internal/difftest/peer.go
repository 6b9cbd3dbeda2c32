package difftest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sidecast/sidecast/internal/syncbuf"
	"github.com/sidecast/sidecast/internal/testkit"
)

// PeerDir is the socket.io-client peer's folder, relative to the repository
// root; its peer.js reads JSON commands on stdin and prints observations.
const PeerDir = "internal/siotest/peer"

// Peer is one Node process running peer.js, holding any number of sockets.
//
// One Peer may serve many plays at once or in turn: each play registers
// its inbox under its own prefix (route), names its sockets with that
// prefix, and gets back only its own sockets' observations, unprefixed.
type Peer struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	errs  *syncbuf.Buffer
	done  chan struct{}

	rmu    sync.Mutex
	routes map[string]*inbox // by socket-name prefix
	dead   error             // set when the process ended

	wmu       sync.Mutex // serialises command lines
	closeOnce sync.Once
}

// StartPeer starts a peer process that plays share (Options.Peer); the
// caller closes it. root is the repository root.
func StartPeer(root string) (*Peer, error) { return startPeer(root) }

// route sends observations of sockets named prefix+name to box as name,
// until the returned function is called.
func (p *Peer) route(prefix string, box *inbox) (unroute func()) {
	p.rmu.Lock()
	defer p.rmu.Unlock()
	if p.dead != nil {
		box.fail(p.dead)
	}
	p.routes[prefix] = box
	return func() {
		p.rmu.Lock()
		delete(p.routes, prefix)
		p.rmu.Unlock()
	}
}

// deliver hands m to the inbox whose prefix its socket name carries.
func (p *Peer) deliver(m Msg) {
	p.rmu.Lock()
	defer p.rmu.Unlock()
	for prefix, box := range p.routes {
		if name, ok := strings.CutPrefix(m.Name, prefix); ok {
			m.Name = name
			box.add(m)
			return
		}
	}
}

// died fails every routed inbox: the process is gone.
func (p *Peer) died(err error) {
	p.rmu.Lock()
	defer p.rmu.Unlock()
	p.dead = err
	for _, box := range p.routes {
		box.fail(err)
	}
}

// startPeer starts peer.js from the repository at root and waits until it
// is ready.
func startPeer(root string) (*Peer, error) {
	if _, err := testkit.NodeDir(PeerDir, "socket.io-client"); err != nil {
		return nil, err
	}
	dir := filepath.Join(root, PeerDir)
	p := &Peer{errs: &syncbuf.Buffer{Max: 1 << 20}, done: make(chan struct{}), routes: map[string]*inbox{}}
	p.cmd = exec.Command("node", "peer.js")
	p.cmd.Dir = dir
	p.cmd.Stderr = p.errs
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("difftest: peer stdout: %w", err)
	}
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("difftest: peer stdin: %w", err)
	}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("difftest: start node peer.js: %w", err)
	}
	ready := make(chan struct{})
	go p.readLoop(stdout, ready)
	select {
	case <-ready:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("%w before it was ready: %s", ErrPeerExited, p.errs.String())
	case <-time.After(15 * time.Second):
		p.Close()
		return nil, fmt.Errorf("%w: peer.js not ready in 15s", ErrTimeout)
	}
}

// readLoop records every line the peer prints until the process ends.
func (p *Peer) readLoop(r io.Reader, ready chan<- struct{}) {
	defer close(p.done)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	first := true
	for sc.Scan() {
		var m Msg
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			m = Msg{Type: "error", Message: "unparsable line: " + sc.Text()}
		}
		if first && m.Type == "ready" {
			first = false
			close(ready)
			continue
		}
		p.deliver(m)
	}
	_ = p.cmd.Wait()
	p.died(fmt.Errorf("%w: %s", ErrPeerExited, p.errs.String()))
}

// send writes command lines in one write, so a burst reaches the peer's
// event loop together.
func (p *Peer) send(cmds ...map[string]any) error {
	var buf []byte
	for _, cmd := range cmds {
		b, err := json.Marshal(cmd)
		if err != nil {
			return fmt.Errorf("difftest: encode command: %w", err)
		}
		buf = append(append(buf, b...), '\n')
	}
	p.wmu.Lock()
	defer p.wmu.Unlock()
	if _, err := p.stdin.Write(buf); err != nil {
		return fmt.Errorf("difftest: write to peer: %w", err)
	}
	return nil
}

// Close ends the process (peer.js exits when stdin closes) and waits for
// readLoop; it is idempotent.
func (p *Peer) Close() {
	p.closeOnce.Do(func() {
		_ = p.stdin.Close()
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
}
