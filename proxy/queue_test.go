package proxy

import (
	"errors"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/sidecast/sidecast/internal/testkit"
)

// TestWriteQueueStaysBounded: a peer that reads, but more slowly than it is
// written to, keeps the queue from ever draining. The queue's buffer must stay
// bounded by the queue limit instead of growing with every byte relayed.
func TestWriteQueueStaysBounded(t *testing.T) {
	const limit = 64 << 10
	rb := newRawBackend(t)
	p, base := newProxy(t, rb.url(), func(c *Config) {
		c.MaxPayload = 4 << 10
		c.WriteQueueBytes = limit
	})
	pair := rb.open(t, base)
	testkit.WaitUntil(t, 10*time.Second, "the session", func() bool { return p.Sessions() == 1 })
	l := onlyClientLeg(p)

	msg := make([]byte, 1024)
	buf := make([]byte, 4096)
	largest, fulls := 0, 0
	for range 20000 { // 20 MiB through a queue of 64 KiB
		err := l.WriteMessage(ws.OpBinary, msg)
		if errors.Is(err, ErrQueueFull) {
			fulls++
			pair.client.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, err := pair.client.Read(buf); err != nil { // the slow peer reads a little
				t.Fatal(err)
			}
			if err := l.Flush(); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		largest = max(largest, bufferLen(l))
	}
	t.Logf("largest queue buffer %d bytes; queue full %d times", largest, fulls)
	if fulls == 0 {
		t.Fatal("the queue never filled: the test did not exercise a backlog")
	}
	if largest > 2*limit+4096 {
		t.Fatalf("queue buffer grew to %d bytes with a limit of %d", largest, limit)
	}
}

func onlyClientLeg(p *Server) *wsLeg {
	p.mu.Lock()
	defer p.mu.Unlock()
	for s := range p.sessions {
		return s.client
	}
	return nil
}

func bufferLen(l *wsLeg) int {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.out == nil {
		return 0
	}
	return len(l.out.B)
}
