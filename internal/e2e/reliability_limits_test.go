package e2e

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/sidecast/sidecast/examples/wschat"
	"github.com/sidecast/sidecast/internal/demo"
	"github.com/sidecast/sidecast/internal/testkit"
)

// TestLimitsThroughTheBinary: each limit refuses with the status or close
// code the README gives, counted in sidecast_session_drops_total.
func TestLimitsThroughTheBinary(t *testing.T) {
	chat := startChat(t)
	ops := testkit.FreePort(t)
	_, base := startNodeProc(t, chat.URL, map[string]string{
		"MAX_CONNECTIONS": "2", "MAX_PAYLOAD": "1024", "WRITE_QUEUE_SIZE": "65536",
		"HANDSHAKE_TIMEOUT": "1s", "METRICS_PORT": strconv.Itoa(ops),
	})
	metrics := "http://127.0.0.1:" + strconv.Itoa(ops)
	drops := func(reason string) float64 {
		return scrape(t, metrics)[`sidecast_session_drops_total{reason="`+reason+`"}`]
	}

	t.Run("MAX_PAYLOAD closes with 1009", func(t *testing.T) {
		c := joinRoom(t, base, "big", "lim")
		if err := c.Send(wschat.Message{Type: "say", Room: "lim", Text: strings.Repeat("x", 2000)}); err != nil {
			t.Fatal(err)
		}
		c.WaitClosed(procWait)
		if c.CloseCode() != ws.StatusMessageTooBig {
			t.Fatalf("closed with %d, want 1009", c.CloseCode())
		}
		testkit.WaitUntil(t, procWait, "too_large counted", func() bool { return drops("too_large") == 1 })
	})

	t.Run("MAX_CONNECTIONS answers 503", func(t *testing.T) {
		testkit.WaitUntil(t, procWait, "the big client's slot freed", func() bool {
			h, _ := getHealth(base)
			return h["connections"] == float64(0)
		})
		joinRoom(t, base, "one", "lim")
		joinRoom(t, base, "two", "lim")
		ctx, cancel := context.WithTimeout(context.Background(), demo.ScriptWait)
		defer cancel()
		_, _, _, err := ws.Dial(ctx, demo.WSURL(base)+"/ws?user=three")
		var status ws.StatusError
		if !errors.As(err, &status) || int(status) != http.StatusServiceUnavailable {
			t.Fatalf("third connection: %v, want HTTP 503", err)
		}
		testkit.WaitUntil(t, procWait, "max_connections counted", func() bool { return drops("max_connections") >= 1 })
	})

	t.Run("HANDSHAKE_TIMEOUT cuts off a slowloris client", func(t *testing.T) {
		before := drops("unfinished_request")
		took, answer := slowloris(t, strings.TrimPrefix(base, "http://"), 100*time.Millisecond)
		t.Logf("slowloris cut after %s (%q)", took, answer)
		if took < 900*time.Millisecond || took > 5*time.Second {
			t.Fatalf("slowloris cut after %s, want about HANDSHAKE_TIMEOUT (1s)", took)
		}
		testkit.WaitUntil(t, procWait, "unfinished_request counted", func() bool { return drops("unfinished_request") > before })
	})
}

// slowloris opens an upgrade request and trickles one header byte every
// step, never finishing the headers; it returns how long until the server
// closed the connection, and what it answered.
func slowloris(t *testing.T, addr string, step time.Duration) (time.Duration, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := conn.Write([]byte("GET /ws?user=slow HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n")); err != nil {
		t.Fatal(err)
	}
	closed := make(chan string, 1)
	go readUntilClosed(conn, closed)
	tick := time.NewTicker(step)
	defer tick.Stop()
	deadline := time.After(procWait)
	for i := 0; ; i++ {
		select {
		case answer := <-closed:
			return time.Since(start), answer
		case <-tick.C:
			_, _ = conn.Write([]byte{"X-Slow-Header: a"[i%16]})
		case <-deadline:
			t.Fatalf("a slowloris client still connected after %s", procWait)
		}
	}
}

// readUntilClosed reports what the server sent before closing conn.
func readUntilClosed(conn net.Conn, closed chan<- string) {
	var sb strings.Builder
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		sb.WriteString(line)
		if err != nil {
			closed <- sb.String()
			return
		}
	}
}

// TestMaxConnectionsPerIP: past MAX_CONNECTIONS_PER_IP a client address gets
// HTTP 429, counted; a closed connection frees its slot; trusted proxies
// are exempt.
func TestMaxConnectionsPerIP(t *testing.T) {
	chat := startChat(t)
	for _, tt := range []struct {
		name    string
		trusted string
		refused bool
	}{
		{"client address", "10.0.0.0/8", true},
		{"trusted proxy", "127.0.0.0/8", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ops := testkit.FreePort(t)
			_, base := startNodeProc(t, chat.URL, map[string]string{
				"MAX_CONNECTIONS_PER_IP": "2", "TRUSTED_PROXIES": tt.trusted, "METRICS_PORT": strconv.Itoa(ops),
			})
			// The health polls' keep-alive connections count too: drop
			// them, then hold two WebSocket connections (the server may
			// still count a closing idle one for a moment).
			http.DefaultClient.CloseIdleConnections()
			var held []net.Conn
			t.Cleanup(func() {
				for _, c := range held {
					_ = c.Close()
				}
			})
			dial := func(user string) (net.Conn, error) {
				ctx, cancel := context.WithTimeout(context.Background(), demo.ScriptWait)
				defer cancel()
				c, _, _, err := ws.Dial(ctx, demo.WSURL(base)+"/ws?user="+user)
				return c, err
			}
			testkit.WaitUntil(t, procWait, "two connections held", func() bool {
				if c, err := dial("held"); err == nil {
					held = append(held, c)
				}
				return len(held) == 2
			})
			c, err := dial("third")
			if !tt.refused {
				if err != nil {
					t.Fatalf("a trusted proxy's third connection: %v", err)
				}
				_ = c.Close()
				return
			}
			var status ws.StatusError
			if !errors.As(err, &status) || int(status) != http.StatusTooManyRequests {
				t.Fatalf("third connection from one address: %v, want HTTP 429", err)
			}
			metrics := "http://127.0.0.1:" + strconv.Itoa(ops)
			if v := scrape(t, metrics)[`sidecast_session_drops_total{reason="max_connections_per_ip"}`]; v < 1 {
				t.Fatalf("max_connections_per_ip = %v, want at least 1", v)
			}
			_ = held[0].Close()
			testkit.WaitUntil(t, procWait, "a freed slot to admit a new connection", func() bool {
				c, err := dial("fourth")
				if err == nil {
					held[0] = c
				}
				return err == nil
			})
		})
	}
}
