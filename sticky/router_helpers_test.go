package sticky

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/sidecast/sidecast/fanout"
)

// seenRequest is what a node's local handler received.
type seenRequest struct {
	Sid, RemoteAddr string
	Header          http.Header
}

// testNode is a router in front of a stand-in for the proxy: it answers
// sids it issued with "<id>:<method>", others with Engine.IO's unknown-sid
// error, echoes websocket messages until the client leaves, and records
// what reached it.
type testNode struct {
	id     string
	router *Router
	srv    *httptest.Server

	mu     sync.Mutex
	issued map[string]bool
	seen   []seenRequest
}

func (n *testNode) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sid := r.URL.Query().Get("sid")
	n.mu.Lock()
	n.seen = append(n.seen, seenRequest{Sid: sid, RemoteAddr: r.RemoteAddr, Header: r.Header.Clone()})
	known := n.issued[sid]
	n.mu.Unlock()
	switch {
	case !known && sid != "":
		writeUnknownSID(w)
	case r.Header.Get("Upgrade") != "":
		n.echoWebSocket(w, r)
	default:
		body, _ := io.ReadAll(r.Body)
		_, _ = io.WriteString(w, n.id+":"+r.Method+":"+string(body))
	}
}

func (n *testNode) echoWebSocket(w http.ResponseWriter, r *http.Request) {
	conn, _, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		return
	}
	defer conn.Close()
	for {
		msg, err := wsutil.ReadClientText(conn)
		if err != nil || wsutil.WriteServerText(conn, []byte(n.id+":"+string(msg))) != nil {
			return
		}
	}
}

// newSID issues a sid the way the proxy would, through the router.
func (n *testNode) newSID() string {
	sid := n.router.NewSID()
	n.mu.Lock()
	n.issued[sid] = true
	n.mu.Unlock()
	return sid
}

func (n *testNode) last(t *testing.T) seenRequest {
	t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.seen) == 0 {
		t.Fatalf("nothing reached %s", n.id)
	}
	return n.seen[len(n.seen)-1]
}

func (n *testNode) count() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.seen)
}

// testCluster is a set of nodes that know each other as peers.
type testCluster struct {
	mu    sync.Mutex
	nodes map[string]*testNode
}

func (c *testCluster) peersOf(self string) func() []fanout.Peer {
	return func() []fanout.Peer {
		c.mu.Lock()
		defer c.mu.Unlock()
		var out []fanout.Peer
		for id, n := range c.nodes {
			if id != self {
				out = append(out, fanout.Peer{ID: id, Address: n.srv.URL})
			}
		}
		return out
	}
}

// newTestCluster starts nodes with the given ids; mod adjusts each
// router's config.
func newTestCluster(t *testing.T, ids []string, mod func(*Config)) *testCluster {
	t.Helper()
	c := &testCluster{nodes: map[string]*testNode{}}
	for _, id := range ids {
		n := &testNode{id: id, issued: map[string]bool{}}
		cfg := Config{NodeID: id, EngineIOPath: "/socket.io/", Peers: c.peersOf(id)}
		if mod != nil {
			mod(&cfg)
		}
		n.router = New(cfg)
		n.srv = httptest.NewServer(n.router.Wrap(n))
		t.Cleanup(func() {
			n.srv.Close()
			_ = n.router.Close()
		})
		c.mu.Lock()
		c.nodes[id] = n
		c.mu.Unlock()
	}
	return c
}

func (c *testCluster) node(id string) *testNode {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[id]
}

// do sends a request and returns the status and body.
func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func pollURL(n *testNode, sid string) string {
	u := n.srv.URL + "/socket.io/?EIO=4&transport=polling"
	if sid != "" {
		u += "&sid=" + sid
	}
	return u
}

func newRequest(t *testing.T, method, url, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func mustPrefixes(t *testing.T, s ...string) []netip.Prefix {
	t.Helper()
	p, err := ParseTrusted(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const unknownSIDBody = `{"code":1,"message":"Session ID unknown"}`
