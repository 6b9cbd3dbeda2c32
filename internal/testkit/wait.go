package testkit

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// pollEvery is how often WaitUntil looks at its condition: small next to
// the conditions the tests wait for (a session opening, a log line), large
// enough not to load the machine.
const pollEvery = 5 * time.Millisecond

// WaitUntil polls cond until it holds, failing the test when it still does
// not after within. It returns how long the condition took, for tests that
// log a measured time.
func WaitUntil(t testing.TB, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(pollEvery) // polling a condition with a deadline
	}
	return time.Since(start)
}

// sharedRedisPort is never handed out: a Redis other than the tests' own
// may listen there, and a test must never talk to it by accident.
const sharedRedisPort = 6379

// handedOut holds every port Port returned in this process: the kernel may
// offer a port again as soon as its probe listener is closed, and two
// settings of one process (SERVER_PORT and METRICS_PORT) given the same
// port would make the process refuse to start.
var handedOut sync.Map

// Port returns a loopback port that was free a moment ago, never 6379 and
// never one it returned before in this process.
func Port() (int, error) {
	for range 100 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("testkit: find a free port: %w", err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		_ = ln.Close()
		if port == sharedRedisPort {
			continue
		}
		if _, seen := handedOut.LoadOrStore(port, true); !seen {
			return port, nil
		}
	}
	return 0, fmt.Errorf("testkit: no free port other than %d and those handed out", sharedRedisPort)
}

// FreePort is Port for a test: it fails the test when no port is free.
func FreePort(t testing.TB) int {
	t.Helper()
	port, err := Port()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// ErrTimeout: a WaitHTTP deadline passed.
var ErrTimeout = errors.New("testkit: timed out")

// WaitHTTP polls url until it answers 200, within passes (ErrTimeout), or
// gone closes (the process that should answer exited).
func WaitHTTP(url string, within time.Duration, gone <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	var last error
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		last = err
		select {
		case <-gone:
			return fmt.Errorf("the process exited (last error %v)", last)
		case <-ctx.Done():
			return fmt.Errorf("%w: %s not healthy within %v (last error %v)", ErrTimeout, url, within, last)
		case <-time.After(pollEvery): // polling the server's readiness
		}
	}
}

// WaitTCP polls until addr accepts connections, failing the test after
// within.
func WaitTCP(t testing.TB, within time.Duration, addr string) {
	t.Helper()
	var err error
	WaitUntil(t, within, "a listener on "+addr, func() bool {
		var c net.Conn
		if c, err = net.DialTimeout("tcp", addr, time.Second); err == nil {
			_ = c.Close()
			return true
		}
		return false
	})
}
