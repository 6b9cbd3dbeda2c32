package ops

import (
	"context"
	"net"
	"net/url"
	"sync"
	"time"
)

// Backend probe timings: a health request dials the backend at most once
// per BackendProbeTTL (also how often the node watches for its return);
// concurrent requests meanwhile read the cached answer.
const (
	BackendProbeTTL     = time.Second
	backendProbeTimeout = time.Second
)

// backendProbe answers "does BACKEND_URL accept connections?" with a TCP
// dial, cached for ttl. It runs on the goroutines that ask (health and
// readiness requests, metrics scrapes) and owns none: a dial happens only
// when someone asks and the answer is stale, by one asker at a time.
type backendProbe struct {
	addr    string
	ttl     time.Duration
	timeout time.Duration

	dialMu sync.Mutex // held by the one asker dialing

	mu    sync.Mutex
	up    bool
	at    time.Time // when up was measured; zero before the first dial
	dials uint64
	downs uint64 // probes that found the backend down
}

func newBackendProbe(u *url.URL) *backendProbe {
	return &backendProbe{addr: hostPort(u), ttl: BackendProbeTTL, timeout: backendProbeTimeout}
}

// hostPort is u's host with the scheme's default port when it has none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// reachable returns the cached answer, dialing first when it is stale. An
// asker that finds another one dialing takes the previous answer, unless
// there is none yet.
func (p *backendProbe) reachable() bool {
	up, fresh, known := p.cached()
	if fresh {
		return up
	}
	if !p.dialMu.TryLock() {
		if known {
			return up
		}
		p.dialMu.Lock() // the first answer: wait for it
	}
	defer p.dialMu.Unlock()
	if up, fresh, _ = p.cached(); fresh {
		return up // measured while this asker waited
	}
	return p.dial()
}

func (p *backendProbe) cached() (up, fresh, known bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	known = !p.at.IsZero()
	return p.up, known && time.Since(p.at) < p.ttl, known
}

func (p *backendProbe) dial() bool {
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", p.addr)
	if err == nil {
		_ = c.Close()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.up, p.at = err == nil, time.Now()
	p.dials++
	if !p.up {
		p.downs++
	}
	return p.up
}

// downCount is how many probes found the backend down so far, whoever
// asked: the backend watch compares it between its ticks, so an outage
// that a health request saw between two ticks is not missed.
func (p *backendProbe) downCount() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.downs
}
