package fanout

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/sidecast/sidecast/internal/testkit"
	"github.com/sidecast/sidecast/proxy"
)

// gorillaHub is a backend in the style of gorilla/websocket's chat example:
// the zero Upgrader (its CheckOrigin refuses an Origin whose host is not the
// request's Host) and a hub that sends every message to every connection.
type gorillaHub struct {
	mu    sync.Mutex
	conns map[*websocket.Conn]struct{}
}

func startGorillaHub(t *testing.T) (*gorillaHub, *url.URL) {
	t.Helper()
	hub := &gorillaHub{conns: map[*websocket.Conn]struct{}{}}
	srv := httptest.NewServer(http.HandlerFunc(hub.serveWS))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return hub, u
}

// members counts the connections the hub broadcasts to now.
func (h *gorillaHub) members() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

func (h *gorillaHub) serveWS(w http.ResponseWriter, r *http.Request) {
	var up websocket.Upgrader
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	h.mu.Lock()
	h.conns[c] = struct{}{}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.conns, c)
		h.mu.Unlock()
		c.Close()
	}()
	for {
		_, p, err := c.ReadMessage()
		if err != nil {
			return
		}
		h.mu.Lock()
		for o := range h.conns {
			_ = o.WriteMessage(websocket.TextMessage, p)
		}
		h.mu.Unlock()
	}
}

// TestClusterOriginCheckingBackend: browsers connect to two nodes whose
// backends refuse a cross-origin upgrade. Each home session and each mirror
// (which carries the home client's Host and Origin) is accepted, so every
// message reaches both browsers once, as on one node.
func TestClusterOriginCheckingBackend(t *testing.T) {
	for _, n := range networks(t) {
		t.Run(n.name, func(t *testing.T) {
			cfg := ClusterConfig{Logger: testLogger(nil)}
			hubA, urlA := startGorillaHub(t)
			hubB, urlB := startGorillaHub(t)
			a := startNodeOn(t, n, "a", urlA, proxy.ProtocolWebSocket, cfg)
			b := startNodeOn(t, n, "b", urlB, proxy.ProtocolWebSocket, cfg)
			waitPeers(t, a, b)
			browser := func(node *testNode, user string) *chatClient {
				front, _ := url.Parse(node.front.URL)
				return dialChatAt(t, node, "/ws", user, false, http.Header{"Origin": {"http://" + front.Host}})
			}
			alice := browser(a, "alice")
			bob := browser(b, "bob")
			// A hub, like the chat example's, broadcasts only to connections it
			// has registered after the upgrade: on one node too, a message sent
			// before another client's registration does not reach that client.
			testkit.WaitUntil(t, 10*time.Second, "each hub to hold alice and bob (one of them a mirror)", func() bool {
				return a.cl.Stats().Mirrors == 1 && b.cl.Stats().Mirrors == 1 && hubA.members() == 2 && hubB.members() == 2
			})
			alice.send(map[string]any{"from": "alice", "text": "hi"})
			bob.waitFor(map[string]any{"from": "alice", "text": "hi"}, 1)
			alice.waitFor(map[string]any{"from": "alice", "text": "hi"}, 1)
			bob.send(map[string]any{"from": "bob", "text": "yo"})
			alice.waitFor(map[string]any{"from": "bob", "text": "yo"}, 1)
			bob.waitFor(map[string]any{"from": "bob", "text": "yo"}, 1)
		})
	}
}
