package deploytest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/internal/testkit"
)

// echoBackend stands in for a sidecast node behind nginx: it reports which
// node answered and the headers nginx forwarded, and echoes one WebSocket
// message.
type echoBackend struct {
	name string
}

// seen is what a backend reports about a plain request.
type seen struct {
	Node, XForwardedFor, XForwardedProto, XRealIP, Connection, Upgrade, Host string
}

func (b *echoBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/ws":
		b.serveWebSocket(w, r)
	default:
		_ = json.NewEncoder(w).Encode(seen{
			Node: b.name, XForwardedFor: r.Header.Get("X-Forwarded-For"),
			XForwardedProto: r.Header.Get("X-Forwarded-Proto"), XRealIP: r.Header.Get("X-Real-IP"),
			Connection: r.Header.Get("Connection"), Upgrade: r.Header.Get("Upgrade"), Host: r.Host,
		})
	}
}

func (b *echoBackend) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	conn, _, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		return
	}
	defer conn.Close()
	msg, err := wsutil.ReadClientText(conn)
	if err != nil {
		return
	}
	_ = wsutil.WriteServerText(conn, []byte(b.name+":"+string(msg)))
}

// startBackends starts n loopback backends named node0, node1, …
func startBackends(t *testing.T, n int) ([]*echoBackend, []string) {
	t.Helper()
	var backends []*echoBackend
	var addrs []string
	for i := range n {
		b := &echoBackend{name: "node" + string(rune('0'+i))}
		srv := httptest.NewServer(b)
		t.Cleanup(srv.Close)
		backends = append(backends, b)
		addrs = append(addrs, strings.TrimPrefix(srv.URL, "http://"))
	}
	return backends, addrs
}

// TestNginxInFrontOfNodes runs the example configuration in the real nginx
// in front of two loopback nodes. Every request comes from 127.0.0.1, so
// with ip_hash they would all reach one node.
func TestNginxInFrontOfNodes(t *testing.T) {
	backends, addrs := startBackends(t, 2)
	addr := startNginx(t, addrs)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 15 * time.Second}

	t.Run("round-robin", func(t *testing.T) {
		const requests = 20
		count := map[string]int{}
		for range requests {
			body, err := getBody(ctx, client, "http://"+addr+"/who")
			if err != nil {
				t.Fatalf("GET through nginx: %v", err)
			}
			var s seen
			if err := json.Unmarshal([]byte(body), &s); err != nil {
				t.Fatalf("backend answer %q: %v", body, err)
			}
			count[s.Node]++
		}
		t.Logf("requests per node: %v", count)
		// Round-robin alternates; a quarter each leaves room for nginx
		// details and is still far from what client pinning gives.
		for _, b := range backends {
			if count[b.name] < requests/4 {
				t.Errorf("node %s got %d of %d requests: not round-robin", b.name, count[b.name], requests)
			}
		}
	})

	t.Run("forwarded headers", func(t *testing.T) {
		body, err := getBody(ctx, client, "http://"+addr+"/who")
		if err != nil {
			t.Fatal(err)
		}
		var s seen
		if err := json.Unmarshal([]byte(body), &s); err != nil {
			t.Fatal(err)
		}
		if s.XForwardedFor != "127.0.0.1" || s.XRealIP != "127.0.0.1" || s.XForwardedProto != "http" {
			t.Errorf("forwarded headers %+v, want the client address and scheme", s)
		}
		// $host, as in the reference guide: the client's host name
		// without the port.
		if host, _, _ := strings.Cut(addr, ":"); s.Host != host {
			t.Errorf("Host %q, want the client's %q", s.Host, host)
		}
		// A plain request must not claim an upgrade, or the upstream
		// keep-alive connection could not be reused.
		if s.Upgrade != "" || strings.EqualFold(s.Connection, "upgrade") {
			t.Errorf("plain request reached the node with Upgrade %q, Connection %q", s.Upgrade, s.Connection)
		}
	})

	t.Run("websocket upgrade", func(t *testing.T) { checkWebSocket(ctx, t, addr, backends) })
}

// checkWebSocket opens WebSocket sessions through nginx and expects each to
// reach a node and echo, on both nodes.
func checkWebSocket(ctx context.Context, t *testing.T, addr string, backends []*echoBackend) {
	t.Helper()
	nodes := map[string]int{}
	for i := range 6 {
		conn, br, _, err := ws.Dial(ctx, "ws://"+addr+"/ws")
		if err != nil {
			t.Fatalf("WebSocket dial through nginx: %v", err)
		}
		msg := "hello" + string(rune('0'+i))
		if err := wsutil.WriteClientText(conn, []byte(msg)); err != nil {
			t.Fatalf("write: %v", err)
		}
		reply, err := wsutil.ReadServerText(testkit.DialedConn(conn, br))
		conn.Close()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		node, echoed, _ := strings.Cut(string(reply), ":")
		if echoed != msg {
			t.Errorf("echo %q, want %q", reply, msg)
		}
		nodes[node]++
	}
	t.Logf("WebSocket sessions per node: %v", nodes)
	for _, b := range backends {
		if nodes[b.name] == 0 {
			t.Errorf("no WebSocket session reached %s", b.name)
		}
	}
}
