package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/sidecast/sidecast/internal/demo"
	"github.com/sidecast/sidecast/internal/ops"
)

// TestDemoPageHTTP: the page's files come with their types and a policy
// that allows WebSockets to the two nodes only, and api/nodes describes
// both nodes with the addresses the demo printed.
func TestDemoPageHTTP(t *testing.T) {
	p := startProc(t, map[string]string{"DEMO_PORT": "0", "MIRRORS": "off"}, "demo")
	m := p.waitOutput(&p.Stdout, `(?m)^open (http://127\.0\.0\.1:\d+)/\n.*\nthe backend's own chat page through each node: (http://\S+)/ and (http://\S+)/$`)
	page, nodeA, nodeB := m[1], m[2], m[3]
	for path, typ := range map[string]string{
		"/": "text/html", "/demo.js": "text/javascript", "/demo.css": "text/css", "/favicon.svg": "image/svg+xml",
	} {
		t.Run(path, func(t *testing.T) {
			resp := httpGet(t, page+path)
			if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, typ) {
				t.Errorf("Content-Type %q, want %s", got, typ)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			want := "connect-src 'self' " + demo.WSURL(nodeA) + " " + demo.WSURL(nodeB) + ";"
			if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, want) {
				t.Errorf("Content-Security-Policy %q, want default-src 'none' and %q", csp, want)
			}
		})
	}
	var view demo.View
	resp := httpGet(t, page+"/api/nodes")
	if err := json.NewDecoder(resp.Body).Decode(&view); err != nil {
		t.Fatal(err)
	}
	want := []demo.NodeView{
		{ID: "node-a", Label: "node A", WS: demo.WSURL(nodeA) + "/ws"},
		{ID: "node-b", Label: "node B", WS: demo.WSURL(nodeB) + "/ws"},
	}
	if view.Bus != "the in-memory bus" || view.MirrorsOn || len(view.Nodes) != len(want) {
		t.Fatalf("api/nodes = %+v, want the in-memory bus, mirrors off, two nodes", view)
	}
	for i, w := range want {
		got := view.Nodes[i]
		if got.ID != w.ID || got.Label != w.Label || got.WS != w.WS || got.Status != ops.StatusOK || got.Peers != 1 {
			t.Errorf("node %d = %+v, want %s (%s) at %s, ok, one peer", i, got, w.ID, w.Label, w.WS)
		}
	}
	interruptCleanly(t, p)
}

func httpGet(t *testing.T, url string) *http.Response {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return resp
}
