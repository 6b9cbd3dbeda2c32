package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/siotest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// headerBackend is a minimal Engine.IO backend that records the headers of
// every request reaching it: the upgrade of each upstream session (home or
// mirror) and every plain HTTP request. It sends the open packet and then
// only reads, until sidecast closes the session.
type headerBackend struct {
	srv *httptest.Server

	mu       sync.Mutex
	upgrades []http.Header
	plain    []http.Header
}

func startHeaderBackend(t *testing.T) *headerBackend {
	t.Helper()
	b := &headerBackend{}
	b.srv = httptest.NewServer(b)
	t.Cleanup(b.srv.Close)
	return b
}

const headerBackendOpen = `0{"sid":"backend-sid","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`

func (b *headerBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	if r.Header.Get("Upgrade") != "" {
		b.upgrades = append(b.upgrades, r.Header.Clone())
	} else {
		b.plain = append(b.plain, r.Header.Clone())
	}
	b.mu.Unlock()
	if r.Header.Get("Upgrade") == "" {
		_, _ = io.WriteString(w, "plain")
		return
	}
	conn, _, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		return
	}
	defer conn.Close()
	if wsutil.WriteServerText(conn, []byte(headerBackendOpen)) != nil {
		return
	}
	for {
		if _, _, err := wsutil.ReadClientData(conn); err != nil {
			return
		}
	}
}

func (b *headerBackend) snapshot() (upgrades, plain []http.Header) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]http.Header(nil), b.upgrades...), append([]http.Header(nil), b.plain...)
}

// spoof adds every header a client might use to pose as a peer, a mirror
// or another address.
func spoof(h http.Header) {
	h.Set("X-Forwarded-For", "6.6.6.6")
	h.Set("X-Sidecast-Mirror", "1")
	h.Set("X-Sidecast-Home", "evil-home")
	h.Set("X-Sidecast-Client", "6.6.6.6:1")
	h.Set("X-Sidecast-From", "evil-node")
	h.Set("X-Sidecast-Tag", "evil-tag")
}

// TestStickyHeadersNeverReachBackend runs two binaries over Redis with
// CLUSTER_SECRET, in front of backends that record headers. Loopback is not
// a trusted proxy here, so the test client is an ordinary outside client:
// nothing it claims reaches a backend, its X-Forwarded-For is replaced, and
// a forward it forges is refused, while a real forward between the nodes
// is accepted.
func TestStickyHeadersNeverReachBackend(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	backends := []*headerBackend{startHeaderBackend(t), startHeaderBackend(t)}
	var bases []string
	var procs []*proc
	for k, b := range backends {
		port := strconv.Itoa(testkit.FreePort(t))
		base := "http://127.0.0.1:" + port
		p := startProc(t, map[string]string{
			"BACKEND_URL": b.srv.URL, "LOG_FORMAT": "text",
			"SERVER_ID": fmt.Sprintf("hdr-node%d", k), "SERVER_PORT": port, "PROTOCOL": "socketio",
			"ADVERTISE_URL": "http://127.0.0.1:" + port, "REDIS_URL": rs.URL(), "REDIS_ADAPTER_KEY": "hdrtest",
			"CLUSTER_SECRET": "hdr-cluster-secret", "TRUSTED_PROXIES": "10.0.0.0/8", "METRICS_PORT": "0",
			"HEARTBEAT_INTERVAL": "300ms", "HEARTBEAT_TTL": "3s",
		})
		testkit.WaitUntil(t, procWait, "node health", func() bool { _, code := getHealth(base); return code == http.StatusOK })
		bases = append(bases, base)
		procs = append(procs, p)
	}
	for _, p := range procs {
		p.waitOutput(&p.Stderr, `msg="peer up"`)
	}

	// A handshake full of spoofed headers opens a session on node 0.
	req, _ := http.NewRequest("GET", bases[0]+"/socket.io/?EIO=4&transport=polling", nil)
	spoof(req.Header)
	code, body := doRequest(t, req)
	if code != http.StatusOK || !strings.HasPrefix(body, "0{") {
		t.Fatalf("handshake: %d %q", code, body)
	}
	sid := openSID(t, body)

	t.Run("home backend", func(t *testing.T) {
		ups, _ := backends[0].snapshot()
		if len(ups) != 1 {
			t.Fatalf("home backend saw %d upgrades, want 1", len(ups))
		}
		checkClean(t, ups[0], "")
	})
	t.Run("mirror backend", func(t *testing.T) {
		var ups []http.Header
		testkit.WaitUntil(t, procWait, "the mirror's upgrade on node 1's backend", func() bool {
			ups, _ = backends[1].snapshot()
			return len(ups) > 0
		})
		// A mirror says so, with its real home: never what the client claimed.
		if ups[0].Get("X-Sidecast-Mirror") != "1" || ups[0].Get("X-Sidecast-Home") != "hdr-node0" {
			t.Errorf("mirror handshake headers %v", ups[0])
		}
		checkClean(t, ups[0], "X-Sidecast-Mirror,X-Sidecast-Home")
	})
	t.Run("plain HTTP", func(t *testing.T) {
		req, _ := http.NewRequest("GET", bases[0]+"/api/anything", nil)
		spoof(req.Header)
		if code, _ := doRequest(t, req); code != http.StatusOK {
			t.Fatalf("plain request: %d", code)
		}
		_, plain := backends[0].snapshot()
		checkClean(t, plain[len(plain)-1], "")
	})
	t.Run("real forward", func(t *testing.T) {
		// Node 1 forwards the poll to node 0, signed: the handshake's
		// queued packets (none here) or a wait for them, not a refusal.
		req, _ := http.NewRequest("POST", bases[1]+"/socket.io/?EIO=4&transport=polling&sid="+sid, strings.NewReader("3probe"))
		req.Header.Set("Content-Type", "text/plain")
		if code, body := doRequest(t, req); code != http.StatusOK || body != "ok" {
			t.Fatalf("POST for node 0's session at node 1: %d %q", code, body)
		}
	})
	t.Run("forged forward", func(t *testing.T) {
		for _, path := range []string{"/socket.io/?EIO=4&transport=polling&sid=" + sid, "/api/anything"} {
			_, before := backends[1].snapshot()
			req, _ := http.NewRequest("GET", bases[1]+path, nil)
			spoof(req.Header)
			req.Header.Set("X-Sidecast-Hop", "1")
			req.Header.Set("X-Sidecast-Time", strconv.FormatInt(time.Now().UnixMilli(), 10))
			req.Header.Set("X-Sidecast-Signature", "AAAA")
			if code, _ := doRequest(t, req); code != http.StatusForbidden {
				t.Errorf("%s: forged forward answered %d, want 403", path, code)
			}
			if _, after := backends[1].snapshot(); len(after) != len(before) {
				t.Errorf("%s: the forged forward reached the backend", path)
			}
		}
	})
}

// checkClean fails if h carries a client's claim: an X-Sidecast-* header
// other than allowed, or an X-Forwarded-For other than the client's real
// (loopback) address.
func checkClean(t *testing.T, h http.Header, allowed string) {
	t.Helper()
	for k, v := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-sidecast-") && !strings.Contains(allowed, k) {
			t.Errorf("%s: %q reached the backend", k, v)
		}
		for _, s := range v {
			if strings.Contains(s, "evil") || strings.Contains(s, "6.6.6.6") {
				t.Errorf("%s: the client's %q reached the backend", k, s)
			}
		}
	}
	if got := h.Get("X-Forwarded-For"); got != "127.0.0.1" {
		t.Errorf("X-Forwarded-For %q, want the client's own address 127.0.0.1", got)
	}
}

// TestStickyWhoami: the example server's whoami shows what the backend
// learns of the client's address, with loopback untrusted (a spoofed
// X-Forwarded-For is replaced) and trusted (kept and appended to).
func TestStickyWhoami(t *testing.T) {
	tests := []struct {
		trusted string
		want    string
	}{
		{"10.0.0.0/8", "127.0.0.1"},
		{"127.0.0.0/8", "6.6.6.6, 127.0.0.1"},
	}
	peer := siotest.StartPeer(t)
	for k, tt := range tests {
		t.Run(tt.trusted, func(t *testing.T) {
			chat := siotest.StartServer(t)
			_, base := startNodeProc(t, chat.URL, map[string]string{"PROTOCOL": "socketio", "TRUSTED_PROXIES": tt.trusted})
			name := fmt.Sprintf("w%d", k)
			peer.MustConnect(t, siotest.Conn{
				Name: name, URL: base, Transports: []string{"polling"}, Auth: map[string]string{"userId": name},
				ExtraHeaders: map[string]string{"X-Forwarded-For": "6.6.6.6", "X-Sidecast-Home": "evil"},
			})
			var who struct {
				ForwardedFor string `json:"forwardedFor"`
			}
			peer.EmitWithAck(t, name, "whoami").Arg(t, 0, &who)
			if who.ForwardedFor != tt.want {
				t.Fatalf("backend saw X-Forwarded-For %q, want %q", who.ForwardedFor, tt.want)
			}
		})
	}
}

// doRequest sends req and returns the status and body.
func doRequest(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	client := &http.Client{Timeout: procWait}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// openSID reads the sid of an Engine.IO open packet ("0{...}") that may
// be followed by more packets of the payload.
func openSID(t *testing.T, payload string) string {
	t.Helper()
	first, _, _ := strings.Cut(payload, "\x1e")
	var open struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal([]byte(strings.TrimPrefix(first, "0")), &open); err != nil || open.SID == "" {
		t.Fatalf("open packet %q: %v", first, err)
	}
	return open.SID
}
