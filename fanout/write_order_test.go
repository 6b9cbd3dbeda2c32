package fanout

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/internal/siotest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// BenchmarkWriteOrderAcrossConnections measures what the one order for
// membership rests on at its last step: a node writes two membership
// packets to its backend on two different connections (two mirrors, or a
// mirror and the home session) from one goroutine, as the members channel's
// delivery goroutine does. How often does a real socket.io server handle
// the second before the first? Each of b.N pairs goes out on connections a
// and b (which one first alternates), gap apart, with a millisecond between
// pairs; the server records the order in which it handled them, and
// "%swapped" is the share of pairs it handled in the other order. Run it
// with -benchtime=10000x.
func BenchmarkWriteOrderAcrossConnections(b *testing.B) {
	srv := siotest.StartServerIn(b, siotest.PresenceDir)
	ca, cb := dialEIO(b, srv.URL, "a"), dialEIO(b, srv.URL, "b")
	for _, gap := range []time.Duration{0, 50 * time.Microsecond, 200 * time.Microsecond, time.Millisecond} {
		b.Run("gap="+gap.String(), func(b *testing.B) {
			swapped, apart := writeOrderRun(b, srv.URL, ca, cb, b.N, gap)
			b.ReportMetric(100*float64(swapped)/float64(b.N), "%swapped")
			b.ReportMetric(float64(apart.Microseconds()), "µs-apart")
		})
	}
}

// writeOrderRun writes pairs marks, the second of each pair gap after the
// first (which connection goes first alternates), and counts the pairs the
// server handled in the other order.
func writeOrderRun(t testing.TB, base string, ca, cb *eioConn, pairs int, gap time.Duration) (swapped int, apart time.Duration) {
	t.Helper()
	var sum time.Duration
	for k := range pairs {
		first, second, fs, ss := ca, cb, "a", "b"
		if k%2 == 1 {
			first, second, fs, ss = cb, ca, "b", "a"
		}
		start := time.Now()
		writeText(t, first, fmt.Sprintf(`42["mark",%d,%q]`, k, fs))
		for time.Since(start) < gap {
			// spinning: a sleep cannot wait a few microseconds
		}
		writeText(t, second, fmt.Sprintf(`42["mark",%d,%q]`, k, ss))
		sum += time.Since(start)
		// Let the server drain, so that pairs do not pile up into one read.
		time.Sleep(time.Millisecond) // pacing the load, not waiting for a condition
	}
	marks := readMarks(t, base, 2*pairs)
	seen := make(map[int]bool, pairs)
	for _, m := range marks {
		k, side := int(m[0].(float64)), m[1].(string)
		if seen[k] {
			continue
		}
		seen[k] = true
		if want := map[bool]string{false: "a", true: "b"}[k%2 == 1]; side != want {
			swapped++
		}
	}
	return swapped, sum / time.Duration(pairs)
}

// readMarks collects n marks from the server, within a deadline.
func readMarks(t testing.TB, base string, n int) [][2]any {
	t.Helper()
	var marks [][2]any
	deadline := time.Now().Add(30 * time.Second)
	for len(marks) < n && time.Now().Before(deadline) {
		resp, err := http.Get(base + "/marks")
		if err != nil {
			t.Fatal(err)
		}
		var got [][2]any
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		marks = append(marks, got...)
		if len(got) == 0 {
			time.Sleep(10 * time.Millisecond) // polling the server with a deadline
		}
	}
	if len(marks) != n {
		t.Fatalf("server handled %d marks, want %d", len(marks), n)
	}
	return marks
}

// eioConn is a raw Engine.IO websocket client: its readLoop (ended by the
// test's cleanup) answers the server's pings; mu serialises writes.
type eioConn struct {
	conn net.Conn
	rw   io.ReadWriter
	mu   sync.Mutex
	done chan struct{}
}

// dialEIO opens an Engine.IO websocket to a Socket.IO server and connects
// its main namespace as user.
func dialEIO(t testing.TB, base, user string) *eioConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, br, _, err := ws.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/socket.io/?EIO=4&transport=websocket")
	if err != nil {
		t.Fatalf("dial engine.io: %v", err)
	}
	rw := testkit.DialedConn(conn, br)
	if p, err := wsutil.ReadServerText(rw); err != nil || len(p) == 0 || p[0] != '0' {
		t.Fatalf("engine.io open: %q %v", p, err)
	}
	c := &eioConn{conn: conn, rw: rw, done: make(chan struct{})}
	writeText(t, c, `40{"userId":"`+user+`"}`)
	if p, err := wsutil.ReadServerText(rw); err != nil || !strings.HasPrefix(string(p), "40") {
		t.Fatalf("socket.io connect: %q %v", p, err)
	}
	go c.readLoop()
	t.Cleanup(func() { conn.Close(); <-c.done })
	return c
}

func (c *eioConn) readLoop() {
	defer close(c.done)
	for {
		p, err := wsutil.ReadServerText(c.rw)
		if err != nil {
			return
		}
		if string(p) == "2" {
			c.mu.Lock()
			_ = wsutil.WriteClientText(c.rw, []byte("3"))
			c.mu.Unlock()
		}
	}
}

func writeText(t testing.TB, c *eioConn, s string) {
	t.Helper()
	c.mu.Lock()
	err := wsutil.WriteClientText(c.rw, []byte(s))
	c.mu.Unlock()
	if err != nil {
		t.Fatalf("write: %v", err)
	}
}
