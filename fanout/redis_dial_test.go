package fanout

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/sidecast/sidecast/internal/rawio"
	"github.com/sidecast/sidecast/internal/redistest"
)

// TestRedisConnectionsAreQuiet: every connection the Redis options dial,
// plain or under TLS, for one server or for a cluster's nodes, moves its
// bytes through rawio.Conn, and a command round trip works over it.
func TestRedisConnectionsAreQuiet(t *testing.T) {
	certs := redistest.GenerateCerts(t)
	plain := redistest.Start(t, redistest.Config{})
	secure := redistest.Start(t, redistest.Config{TLS: certs})
	options := func(t *testing.T, rc RedisConfig) *redis.Options {
		opt, err := rc.Options(nil)
		if err != nil {
			t.Fatal(err)
		}
		return opt
	}
	tests := []struct {
		name string
		opt  func(t *testing.T) *redis.Options
	}{
		{"plain", func(t *testing.T) *redis.Options { return options(t, RedisConfig{URL: plain.URL()}) }},
		{"tls", func(t *testing.T) *redis.Options {
			return options(t, RedisConfig{URL: secure.URL(), TLSCAFile: certs.CAFile})
		}},
		{"cluster node", func(t *testing.T) *redis.Options {
			cl := nodeClient(nil)(&redis.Options{Addr: plain.Addr()})
			t.Cleanup(func() { cl.Close() })
			return cl.Options()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := tt.opt(t)
			c, err := opt.Dialer(context.Background(), "tcp", opt.Addr)
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			defer c.Close()
			var under net.Conn = c
			if tc, ok := c.(*tls.Conn); ok {
				under = tc.NetConn()
			}
			if _, ok := under.(*rawio.Conn); !ok {
				t.Fatalf("the dialer gave a %T, want a *rawio.Conn under it", under)
			}
			if _, err := c.Write([]byte("PING\r\n")); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 7)
			if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "+PONG\r\n" {
				t.Fatalf("PING answered %q, %v", buf, err)
			}
		})
	}
}
