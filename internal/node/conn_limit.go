package node

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// tooManyFromIP is written to a connection refused by MAX_CONNECTIONS_PER_IP.
const tooManyFromIP = "HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain\r\nContent-Length: 37\r\nConnection: close\r\n\r\ntoo many connections from one address"

// perIPListener caps the open TCP connections from each client address
// (MAX_CONNECTIONS_PER_IP). Addresses in TRUSTED_PROXIES are exempt: a load
// balancer carries many clients on its connections. A refused connection
// gets HTTP 429 and is closed; it is counted. A connection's slot is freed
// when it closes, whoever closes it (the HTTP server, or a session that took
// it over with an upgrade). Accept runs on the HTTP server's accept loop.
type perIPListener struct {
	net.Listener
	max     int
	trusted []netip.Prefix
	refused atomic.Uint64

	mu   sync.Mutex
	open map[netip.Addr]int
}

func limitPerIP(ln net.Listener, max int, trusted []netip.Prefix) *perIPListener {
	return &perIPListener{Listener: ln, max: max, trusted: trusted, open: make(map[netip.Addr]int)}
}

// Accept returns the next connection within its address's limit.
func (l *perIPListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip, counted := l.admit(c)
		if counted && ip.IsValid() {
			return &ipConn{Conn: c, l: l, ip: ip}, nil
		}
		if !ip.IsValid() {
			return c, nil // exempt
		}
		l.refused.Add(1)
		_ = c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		_, _ = c.Write([]byte(tooManyFromIP)) // a fresh socket's buffer takes it at once
		_ = c.Close()
	}
}

// admit returns the address to count c under and whether it got a slot;
// an invalid address means c is exempt.
func (l *perIPListener) admit(c net.Conn) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
	if err != nil {
		return netip.Addr{}, true
	}
	ip := ap.Addr().Unmap()
	for _, p := range l.trusted {
		if p.Contains(ip) {
			return netip.Addr{}, true
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip] >= l.max {
		return ip, false
	}
	l.open[ip]++
	return ip, true
}

func (l *perIPListener) release(ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip]--; l.open[ip] <= 0 {
		delete(l.open, ip)
	}
}

// ipConn frees its slot once, on its first Close.
type ipConn struct {
	net.Conn
	l    *perIPListener
	ip   netip.Addr
	once sync.Once
}

func (c *ipConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.ip) })
	return err
}

// SyscallConn exposes the socket, so the proxy's poller can watch an
// upgraded connection taken from this listener like any other.
func (c *ipConn) SyscallConn() (syscall.RawConn, error) {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		return nil, errNoSocket
	}
	return sc.SyscallConn()
}

var errNoSocket = errors.New("connection has no socket")
