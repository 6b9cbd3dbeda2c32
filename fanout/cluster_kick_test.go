package fanout

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/internal/testkit"
	"github.com/sidecast/sidecast/proxy"
)

// kickBackend upgrades every WebSocket request and keeps the connections
// by ?user=; POST /kick?user=U closes U's connections with 1000, as a
// server that disconnects a user would. Its readLoops end when the
// connections close; shutdown closes them all.
type kickBackend struct {
	mu    sync.Mutex
	users map[string][]net.Conn
	wg    sync.WaitGroup
}

func (k *kickBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user := r.URL.Query().Get("user")
	if r.Method == http.MethodPost {
		k.mu.Lock()
		conns := k.users[user]
		delete(k.users, user)
		k.mu.Unlock()
		for _, c := range conns {
			_ = wsutil.WriteServerMessage(c, ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, "kicked"))
			_ = c.Close()
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	conn, _, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		return
	}
	k.mu.Lock()
	k.users[user] = append(k.users[user], conn)
	k.mu.Unlock()
	k.wg.Add(1)
	go k.readLoop(user, conn)
}

func (k *kickBackend) readLoop(user string, c net.Conn) {
	defer k.wg.Done()
	defer k.forget(user, c)
	for {
		if _, _, err := wsutil.ReadClientData(c); err != nil {
			return
		}
	}
}

func (k *kickBackend) forget(user string, c net.Conn) {
	c.Close()
	k.mu.Lock()
	defer k.mu.Unlock()
	cs := k.users[user]
	for i, x := range cs {
		if x == c {
			k.users[user] = append(cs[:i:i], cs[i+1:]...)
			break
		}
	}
}

func (k *kickBackend) count(user string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.users[user])
}

func (k *kickBackend) shutdown() {
	k.mu.Lock()
	for _, cs := range k.users {
		for _, c := range cs {
			c.Close()
		}
	}
	k.mu.Unlock()
	k.wg.Wait()
}

// TestClusterWebSocketKick: a backend that closes a client's mirror (code
// 1000) disconnects the client at its home, and its other mirrors close.
func TestClusterWebSocketKick(t *testing.T) {
	n := &network{name: "memory", hub: NewMemoryHub()}
	var backends []*kickBackend
	var nodes []*testNode
	for _, id := range []string{"a", "b", "c"} {
		kb := &kickBackend{users: map[string][]net.Conn{}}
		srv := httptest.NewServer(kb)
		t.Cleanup(func() { kb.shutdown(); srv.Close() })
		u, _ := url.Parse(srv.URL)
		backends = append(backends, kb)
		tn := startNodeOn(t, n, id, u, proxy.ProtocolWebSocket, wsClusterConfig())
		tn.backendURL = srv.URL
		nodes = append(nodes, tn)
	}
	waitPeers(t, nodes...)
	alice := dialChat(t, nodes[0], "alice")
	testkit.WaitUntil(t, 10*time.Second, "alice is on every backend", func() bool {
		return backends[0].count("alice") == 1 && backends[1].count("alice") == 1 && backends[2].count("alice") == 1
	})
	resp, err := http.Post(nodes[1].backendURL+"/kick?user=alice", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	select {
	case <-alice.done:
	case <-time.After(10 * time.Second):
		t.Fatal("alice's connection is still open after backend b kicked her")
	}
	testkit.WaitUntil(t, 10*time.Second, "alice is gone from every backend", func() bool {
		return backends[0].count("alice") == 0 && backends[2].count("alice") == 0
	})
	if k := nodes[0].cl.Stats().Kicks; k != 1 {
		t.Fatalf("%d kicks counted at home, want 1", k)
	}
}
