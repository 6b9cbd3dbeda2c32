package proxy

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/sidecast/sidecast/internal/testkit"
)

// TestManySessionsNoLossNoReorder holds 1,000 sessions open at once, then has
// each relay 100 numbered messages through the proxy to the echo backend and
// back, all concurrently; every session must get all of them, in order,
// within the deadline. Dialing is spread over a bounded number of dialers so
// a loaded machine measures the relay, not a handshake storm.
func TestManySessionsNoLossNoReorder(t *testing.T) {
	const sessions, msgs, dialers = 1000, 100, 32
	b := newEchoBackend(t)
	p, base := newProxy(t, b.url(), func(c *Config) { c.DialTimeout = 60 * time.Second })
	deadline := time.Now().Add(180 * time.Second)

	start := time.Now()
	conns := dialAll(t, base, sessions, dialers, deadline)
	testkit.WaitUntil(t, time.Until(deadline), "all sessions open", func() bool { return p.Sessions() == sessions })
	dialed := time.Since(start)

	start = time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	for i, c := range conns {
		wg.Add(1)
		go runLoadSession(&wg, errs, c, i, msgs, deadline)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := p.Stats()
	t.Logf("%d sessions open in %v; %d messages each relayed both ways in %v", sessions, dialed, msgs, time.Since(start))
	if want := uint64(sessions * msgs); st.MessagesToBackend != want || st.MessagesToClient != want {
		t.Fatalf("relayed %d/%d messages, want %d each way", st.MessagesToBackend, st.MessagesToClient, want)
	}
}

// dialAll opens n client sessions with a bounded number of dialer goroutines.
func dialAll(t *testing.T, base string, n, dialers int, deadline time.Time) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, n)
	errs := make(chan error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range dialers {
		wg.Add(1)
		go dialer(&wg, base, conns, next, errs, deadline)
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	return conns
}

// dialer is one dialing goroutine of dialAll.
func dialer(wg *sync.WaitGroup, base string, conns []net.Conn, next <-chan int, errs chan<- error, deadline time.Time) {
	defer wg.Done()
	for i := range next {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		c, _, _, err := ws.Dial(ctx, wsURL(base, fmt.Sprintf("/load/%d", i)))
		cancel()
		if err != nil {
			errs <- fmt.Errorf("session %d: dial: %w", i, err)
			continue
		}
		conns[i] = c
	}
}

// runLoadSession is one load client's goroutine: it writes all its messages,
// then reads the echoes and checks their sequence.
func runLoadSession(wg *sync.WaitGroup, errs chan<- error, conn net.Conn, id, msgs int, deadline time.Time) {
	defer wg.Done()
	conn.SetDeadline(deadline)
	if err := writeNumbered(conn, id, msgs); err != nil {
		errs <- fmt.Errorf("session %d: write: %w", id, err)
		return
	}
	if err := readNumbered(conn, id, msgs); err != nil {
		errs <- fmt.Errorf("session %d: %w", id, err)
	}
}

func writeNumbered(conn net.Conn, id, msgs int) error {
	p := make([]byte, 8)
	for seq := range msgs {
		binary.BigEndian.PutUint32(p, uint32(id))
		binary.BigEndian.PutUint32(p[4:], uint32(seq))
		if err := wsutil.WriteClientBinary(conn, p); err != nil {
			return err
		}
	}
	return nil
}

func readNumbered(conn net.Conn, id, msgs int) error {
	for seq := range msgs {
		p, err := wsutil.ReadServerBinary(conn)
		if err != nil {
			return fmt.Errorf("read %d: %w", seq, err)
		}
		if len(p) != 8 || binary.BigEndian.Uint32(p) != uint32(id) || binary.BigEndian.Uint32(p[4:]) != uint32(seq) {
			return fmt.Errorf("message %d: got %x, want session %d seq %d", seq, p, id, seq)
		}
	}
	return nil
}
