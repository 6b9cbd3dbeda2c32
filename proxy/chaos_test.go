package proxy

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/internal/testkit"
	"github.com/sidecast/sidecast/proxy/wsframe"
)

// endings are the ways a chaos session ends; each must leave nothing behind.
var endings = []struct {
	name string
	end  func(c net.Conn) error
}{
	{"client close frame", func(c net.Conn) error {
		_, err := c.Write(wsframe.AppendClose(nil, 1000, "bye", true))
		return err
	}},
	{"client vanishes", func(c net.Conn) error { return c.Close() }},
	{"backend closes", func(c net.Conn) error { return wsutil.WriteClientText(c, []byte("close:4000:done")) }},
	{"protocol error", func(c net.Conn) error {
		_, err := c.Write([]byte{0x81, 1, 'x'}) // unmasked
		return err
	}},
	{"too large", func(c net.Conn) error {
		return wsutil.WriteClientBinary(c, make([]byte, 70<<10))
	}},
	{"half a fragmented message", func(c net.Conn) error {
		if _, err := c.Write(wsframe.AppendFrame(nil, ws.OpText, false, []byte("half"), true)); err != nil {
			return err
		}
		return c.Close()
	}},
}

// TestChaosSessionsLeaveNothingBehind runs many concurrent sessions that
// relay a little and then end in every way there is, and checks the proxy
// gets back to zero sessions and its goroutine count to where it started.
func TestChaosSessionsLeaveNothingBehind(t *testing.T) {
	const sessions = 300
	b := newEchoBackend(t)
	p, base := newProxy(t, b.url(), func(c *Config) { c.MaxPayload = 64 << 10 })
	before := settledGoroutines()
	deadline := time.Now().Add(60 * time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	for i := range sessions {
		wg.Add(1)
		go chaosSession(&wg, errs, base, i, deadline)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	testkit.WaitUntil(t, time.Until(deadline), "every session to end", func() bool { return p.Sessions() == 0 })
	b.mu.Lock()
	for _, c := range b.conns { // the echo backend's own goroutines end with its sockets
		c.Close()
	}
	b.mu.Unlock()
	var after int
	testkit.WaitUntil(t, time.Until(deadline), "goroutines back to the baseline", func() bool {
		after = settledGoroutines()
		return after <= before+2
	})
	t.Logf("goroutines %d before, %d after %d chaotic sessions; stats %+v", before, after, sessions, p.Stats().Drops)
}

// chaosSession is one chaos client's goroutine: echo a few messages, then end
// the session the way its index picks.
func chaosSession(wg *sync.WaitGroup, errs chan<- error, base string, i int, deadline time.Time) {
	defer wg.Done()
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	c, _, _, err := ws.Dial(ctx, wsURL(base, fmt.Sprintf("/chaos/%d", i)))
	if err != nil {
		errs <- fmt.Errorf("session %d: dial: %w", i, err)
		return
	}
	defer c.Close()
	c.SetDeadline(deadline)
	for j := range i % 4 {
		msg := []byte(fmt.Sprintf("%d-%d", i, j))
		if err := wsutil.WriteClientText(c, msg); err != nil {
			errs <- fmt.Errorf("session %d: write: %w", i, err)
			return
		}
		if got, err := wsutil.ReadServerText(c); err != nil || string(got) != string(msg) {
			errs <- fmt.Errorf("session %d: echo %q, %v", i, got, err)
			return
		}
	}
	e := endings[i%len(endings)]
	if err := e.end(c); err != nil {
		errs <- fmt.Errorf("session %d (%s): %w", i, e.name, err)
	}
}
