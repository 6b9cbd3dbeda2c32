package proxy

import (
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// TestEIOGetDuringProbe: a GET that arrives while a websocket probes (the
// client sent it before "3probe" reached it, as happens when its requests
// take another path than its websocket) is answered with a noop long before
// the next ping. The client pauses polling only once that GET returns, and
// holds what it emits until the upgrade completes: a GET held until the
// ping would stall the session's first emits for a ping interval.
func TestEIOGetDuringProbe(t *testing.T) {
	_, base, _ := newSocketIOProxy(t, "PING_INTERVAL=20000", "PING_TIMEOUT=20000")
	sid := pollConnect(t, base, "probing")
	conn := wsOpen(t, base, sid)
	wsSend(t, conn, "2probe")
	if msg, _, err := wsRead(t, conn); err != nil || msg != "3probe" {
		t.Fatalf("probe answer %q %v, want 3probe", msg, err)
	}
	if status, body := pollGet(t, base, sid); status != 200 || body != "6" {
		t.Fatalf("first GET during the probe: %d %q, want the probe's noop", status, body)
	}
	// The ping is 20s away; well before it, the next GET must return.
	client := &http.Client{Timeout: 5 * time.Second}
	start := time.Now()
	resp, err := client.Get(eioURL(base, "transport=polling&sid="+sid))
	if err != nil {
		t.Fatalf("second GET during the probe was held (%v): the upgrade would wait for the ping", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	t.Logf("second GET answered after %v", time.Since(start))
	if got := strconv.Itoa(resp.StatusCode) + " " + string(body); got != "200 6" {
		t.Fatalf("second GET during the probe: %q, want a noop", got)
	}
	wsSend(t, conn, "5")
	wsAlive(t, conn)
}
