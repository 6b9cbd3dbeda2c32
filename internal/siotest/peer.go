package siotest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/syncbuf"
)

// PeerDir is the socket.io-client peer's folder, relative to the repository root.
const PeerDir = "internal/siotest/peer"

// DefaultWait bounds every Wait; generous because a loaded 2-core machine
// runs several node processes at once.
const DefaultWait = 10 * time.Second

// Msg is one line the peer printed. Type is ready, connect, connect_error,
// event, ack, ack_error, disconnect, transport, upgrade or error.
type Msg struct {
	Type      string            `json:"type"`
	Name      string            `json:"name"`
	Event     string            `json:"event"`
	Args      []json.RawMessage `json:"args"`
	Acked     bool              `json:"acked"`
	Seq       int               `json:"seq"`
	Reason    string            `json:"reason"`
	Message   string            `json:"message"`
	Transport string            `json:"transport"`

	used bool
}

// Arg decodes argument i into v and fails the test if it cannot.
func (m Msg) Arg(t testing.TB, i int, v any) {
	t.Helper()
	if i >= len(m.Args) {
		t.Fatalf("siotest: %s %q has %d args, want arg %d", m.Type, m.Event, len(m.Args), i)
	}
	if err := json.Unmarshal(m.Args[i], v); err != nil {
		t.Fatalf("siotest: decode arg %d of %s %q (%s): %v", i, m.Type, m.Event, m.Args[i], err)
	}
}

// Conn describes one socket the peer opens.
type Conn struct {
	Name         string            `json:"name"`
	URL          string            `json:"url,omitempty"`
	Namespace    string            `json:"nsp,omitempty"`
	Auth         any               `json:"auth,omitempty"`
	Transports   []string          `json:"transports,omitempty"`
	Query        map[string]string `json:"query,omitempty"`
	ExtraHeaders map[string]string `json:"extraHeaders,omitempty"` // sent on polling and websocket requests (Node client)
	Share        string            `json:"share,omitempty"`        // multiplex on this socket's connection
	Reconnection bool              `json:"reconnection,omitempty"`
	// ReconnectionDelay is socket.io-client's first wait before
	// reconnecting, in milliseconds; 0 keeps its default (1000).
	ReconnectionDelay int `json:"reconnectionDelay,omitempty"`
	AckReply          any `json:"ackReply,omitempty"`
}

// Peer is one node process running peer.js, holding any number of sockets.
type Peer struct {
	t     testing.TB
	cmd   *exec.Cmd
	stdin io.WriteCloser
	errs  *syncbuf.Buffer
	done  chan struct{}

	mu      sync.Mutex
	msgs    []*Msg
	changed chan struct{} // closed and replaced on every new message
	seq     int
}

// StartPeer starts a peer process and stops it when the test ends.
func StartPeer(t testing.TB) *Peer {
	t.Helper()
	dir := nodeDir(t, PeerDir, "socket.io-client")
	p := &Peer{t: t, errs: &syncbuf.Buffer{}, done: make(chan struct{}), changed: make(chan struct{})}
	p.cmd = exec.Command("node", "peer.js")
	p.cmd.Dir = dir
	p.cmd.Stderr = p.errs
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("siotest: peer stdout: %v", err)
	}
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatalf("siotest: peer stdin: %v", err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("siotest: start node peer.js: %v", err)
	}
	go p.readLoop(stdout)
	t.Cleanup(p.stop)
	p.Wait(t, "", "ready", "")
	return p
}

// readLoop records every line the peer prints; it ends when the process does.
func (p *Peer) readLoop(r io.Reader) {
	defer close(p.done)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		m := &Msg{}
		if err := json.Unmarshal(sc.Bytes(), m); err != nil {
			m = &Msg{Type: "error", Message: "unparsable line: " + sc.Text()}
		}
		p.mu.Lock()
		p.msgs = append(p.msgs, m)
		close(p.changed)
		p.changed = make(chan struct{})
		p.mu.Unlock()
	}
	_ = p.cmd.Wait()
}

func (p *Peer) stop() {
	_ = p.stdin.Close() // peer.js exits when stdin closes
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	if p.t.Failed() {
		p.t.Logf("peer log:\n%s\nstderr:\n%s", p.Log(), p.errs.String())
	}
}

func (p *Peer) send(t testing.TB, cmd map[string]any) {
	t.Helper()
	b, err := json.Marshal(cmd)
	if err != nil {
		t.Fatalf("siotest: encode command: %v", err)
	}
	if _, err := p.stdin.Write(append(b, '\n')); err != nil {
		t.Fatalf("siotest: write to peer: %v", err)
	}
}

// Log returns every message so far, one per line, for failure output.
func (p *Peer) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var sb strings.Builder
	for _, m := range p.msgs {
		b, _ := json.Marshal(m)
		fmt.Fprintf(&sb, "%s\n", b)
	}
	return sb.String()
}
