package fanout

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sidecast/sidecast/internal/rawio"
)

// redisKeepAlive is go-redis's own dialer's policy: probe after 30 s idle,
// below the idle timeouts of common load balancers and NATs.
var redisKeepAlive = net.KeepAliveConfig{Enable: true, Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3}

// quietDialer dials Redis as go-redis's own dialer does (its keep-alive,
// TLS when opt has a TLS config, DialTimeout bounding the dial and the
// handshake together) and makes each TCP connection quiet (rawio.Conn).
// The publisher and the receivers read and write for every relayed
// message, and between bursts the node is idle: each first announced
// system call after that wakes the runtime's monitor thread, which on a
// busy node costs a futex call and a context switch per burst. It reads
// opt's TLS config at each dial, so a cluster node's own server name
// (nodeClient) is the one verified.
func quietDialer(opt *redis.Options) func(context.Context, string, string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if opt.DialTimeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, opt.DialTimeout)
			defer cancel()
		}
		d := net.Dialer{KeepAliveConfig: redisKeepAlive}
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if tc, ok := c.(*net.TCPConn); ok {
			qc, err := rawio.Wrap(tc)
			if err != nil {
				c.Close()
				return nil, fmt.Errorf("redis connection to %s: %w", addr, err)
			}
			c = qc
		}
		if opt.TLSConfig == nil {
			return c, nil
		}
		return clientTLS(ctx, c, addr, opt.TLSConfig)
	}
}

// clientTLS runs the TLS handshake on c, naming the server after addr's
// host unless cfg names it, as tls.DialWithDialer does.
func clientTLS(ctx context.Context, c net.Conn, addr string, cfg *tls.Config) (net.Conn, error) {
	if cfg.ServerName == "" {
		if host, _, err := net.SplitHostPort(addr); err == nil {
			cfg = cfg.Clone()
			cfg.ServerName = host
		}
	}
	tc := tls.Client(c, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return tc, nil
}
