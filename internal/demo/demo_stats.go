package demo

import (
	"net/http"
	"strings"

	"github.com/sidecast/sidecast/internal/ops"
)

// View is what the demo page reads from api/nodes: how the nodes meet,
// where each pane connects, and each node's live numbers.
type View struct {
	Bus       string     `json:"bus"` // "the in-memory bus" or "Redis at …" (credentials redacted)
	MirrorsOn bool       `json:"mirrorsOn"`
	Nodes     []NodeView `json:"nodes"` // in NodeIDs order: pane A, pane B
}

// NodeView is one node as the page's live panel shows it: the numbers
// its /admin/stats reports, read in-process so the browser needs no
// ADMIN_TOKEN.
type NodeView struct {
	ID       string `json:"id"`
	Label    string `json:"label"`
	WS       string `json:"ws"` // the node's chat endpoint for the pane's WebSocket
	Status   string `json:"status"`
	Sessions int    `json:"sessions"` // client sessions connected to this node
	Mirrors  int    `json:"mirrors"`  // mirrors of other nodes' sessions open here
	Peers    int    `json:"peers"`
	Relayed  uint64 `json:"relayed"` // frames this node's mirrors relayed to their home
}

// demoLabel names a node for people: "node-a" is "node A".
func demoLabel(id string) string {
	if suffix, ok := strings.CutPrefix(id, "node-"); ok {
		return "node " + strings.ToUpper(suffix)
	}
	return id
}

// demoStats reads the nodes' numbers now.
type demoStats struct {
	bus       string
	mirrorsOn bool
	nodes     []*demoNode
}

func (s *demoStats) view() View {
	v := View{Bus: s.bus, MirrorsOn: s.mirrorsOn, Nodes: make([]NodeView, len(s.nodes))}
	for i, dn := range s.nodes {
		h := dn.node.Ops().Health()
		cs, _ := dn.node.ClusterStats()
		v.Nodes[i] = NodeView{
			ID: dn.id, Label: demoLabel(dn.id), WS: WSURL(dn.base) + "/ws",
			Status: h.Status, Sessions: h.Connections, Mirrors: h.Mirrors, Peers: h.Peers,
			Relayed: cs.Relayed,
		}
	}
	return v
}

func (s *demoStats) serveHTTP(w http.ResponseWriter, _ *http.Request) {
	ops.WriteJSON(w, http.StatusOK, s.view())
}
