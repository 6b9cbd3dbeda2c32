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
)

// TestManySessionsNoLossNoReorder runs 1,000 concurrent sessions, each
// relaying 100 numbered messages through the proxy to the echo backend and
// back; every session must get all of them, in order, within the deadline.
func TestManySessionsNoLossNoReorder(t *testing.T) {
	if testing.Short() {
		t.Log("running reduced: 100 sessions in -short mode")
	}
	sessions, msgs := 1000, 100
	if testing.Short() {
		sessions = 100
	}
	b := newEchoBackend(t)
	p, base := newProxy(t, b.url(), nil)
	start := time.Now()
	deadline := start.Add(90 * time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	for i := range sessions {
		wg.Add(1)
		go runLoadSession(&wg, errs, base, i, msgs, deadline)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := p.Stats()
	t.Logf("%d sessions x %d messages in %v; relayed %d to backend, %d to clients",
		sessions, msgs, time.Since(start), st.MessagesToBackend, st.MessagesToClient)
	if want := uint64(sessions * msgs); st.MessagesToBackend != want || st.MessagesToClient != want {
		t.Fatalf("relayed %d/%d messages, want %d each way", st.MessagesToBackend, st.MessagesToClient, want)
	}
}

// runLoadSession is one load client's goroutine: it writes all its messages,
// then reads the echoes and checks their sequence.
func runLoadSession(wg *sync.WaitGroup, errs chan<- error, base string, id, msgs int, deadline time.Time) {
	defer wg.Done()
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	conn, _, _, err := ws.Dial(ctx, wsURL(base, fmt.Sprintf("/load/%d", id)))
	if err != nil {
		errs <- fmt.Errorf("session %d: dial: %w", id, err)
		return
	}
	defer conn.Close()
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
