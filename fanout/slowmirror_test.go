package fanout

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// slowMirrors is a TCP proxy in front of a backend that delivers what
// mirror sessions (X-Sidecast-Mirror: 1) send delay late, and everything
// else at once: a backend that has a mirror's packet written but not yet
// handled, as a loaded machine makes it. Each connection has two copying
// goroutines; Close ends them and waits.
type slowMirrors struct {
	ln      net.Listener
	backend string
	delay   time.Duration
	wg      sync.WaitGroup
	mu      sync.Mutex
	conns   []net.Conn
}

func startSlowMirrors(t *testing.T, backend string, delay time.Duration) *slowMirrors {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &slowMirrors{ln: ln, backend: backend, delay: delay}
	p.wg.Add(1)
	go p.acceptLoop()
	t.Cleanup(p.close)
	return p
}

func (p *slowMirrors) addr() string { return p.ln.Addr().String() }

func (p *slowMirrors) acceptLoop() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

func (p *slowMirrors) track(c net.Conn) {
	p.mu.Lock()
	p.conns = append(p.conns, c)
	p.mu.Unlock()
}

// serve reads the upgrade request, then copies both ways: from the client
// at once or, for a mirror, delay after each read.
func (p *slowMirrors) serve(client net.Conn) {
	defer p.wg.Done()
	p.track(client)
	br := bufio.NewReader(client)
	req, err := http.ReadRequest(br)
	if err != nil {
		client.Close()
		return
	}
	up, err := net.Dial("tcp", p.backend)
	if err != nil {
		client.Close()
		return
	}
	p.track(up)
	if err := req.Write(up); err != nil {
		client.Close()
		up.Close()
		return
	}
	delay := time.Duration(0)
	if req.Header.Get("X-Sidecast-Mirror") == "1" {
		delay = p.delay
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		_, _ = io.Copy(client, up)
		client.Close()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := br.Read(buf)
		if n > 0 {
			if delay > 0 {
				time.Sleep(delay) // the injected delay itself
			}
			if _, werr := up.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	up.Close()
}

func (p *slowMirrors) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
