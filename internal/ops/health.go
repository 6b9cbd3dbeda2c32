package ops

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/sidecast/sidecast/fanout"
)

// Health statuses (docs/design.md, Interface decisions: health). The
// first three answer 503, the others 200.
const (
	StatusDraining    = "draining"     // the node drains: no new clients
	StatusBackendDown = "backend_down" // BACKEND_URL refuses connections
	// StatusSyncing: the backend returned after an outage and the mirrors
	// of the other nodes' sessions are being rebuilt on it; the node takes
	// no new client session until they are.
	StatusSyncing  = fanout.BackendSyncing
	StatusDegraded = "degraded" // Redis is down: local delivery still works
	StatusOK       = "ok"
)

// HealthReport is the JSON of HEALTH_PATH: the reference guide's fields
// (status, timestamp, redis, connections) and sidecast's own.
type HealthReport struct {
	Status      string `json:"status"`
	Timestamp   string `json:"timestamp"`
	Redis       bool   `json:"redis"`       // the bus self-check (in-memory bus: false)
	Connections int    `json:"connections"` // local client sessions
	Mirrors     int    `json:"mirrors"`     // mirrors of other nodes' sessions open here
	Peers       int    `json:"peers"`       // live peers in the registry
	Backend     bool   `json:"backend"`     // BACKEND_URL accepts connections
	ServerID    string `json:"serverId"`
	// PeerMismatches lists, per live node of the cluster, each setting on
	// which it disagrees with this node ([] when none); refused ones are
	// not peers.
	PeerMismatches []fanout.Mismatch `json:"peerMismatches"`
}

// Health looks at the node now; the backend probe's answer is cached.
func (o *Ops) Health() HealthReport {
	st := o.parts.Bus.Status()
	h := HealthReport{
		Status:      StatusOK,
		Timestamp:   time.Now().UTC().Format(time.RFC3339Nano),
		Redis:       o.cfg.Bus.Redis && st.Healthy,
		Connections: o.parts.Proxy.Sessions(),
		Peers:       len(o.parts.LivePeers()),
		Backend:     o.backend.reachable(),
		ServerID:    o.cfg.ServerID,

		PeerMismatches: o.parts.PeerMismatches(),
	}
	cs, mirrors := o.parts.Cluster()
	if mirrors {
		h.Mirrors = cs.Mirrors
	}
	syncing := mirrors && cs.BackendState == fanout.BackendSyncing
	h.Status = statusOf(o.draining.Load(), h.Backend, syncing, o.cfg.Bus.Redis && !st.Healthy)
	return h
}

// statusOf is the one rule that names a node's state, worst first; the
// status code follows from the name (ready), so body and code never
// disagree.
func statusOf(draining, backendUp, syncing, redisDown bool) string {
	switch {
	case draining:
		return StatusDraining
	case !backendUp:
		return StatusBackendDown
	case syncing:
		return StatusSyncing
	case redisDown:
		return StatusDegraded
	}
	return StatusOK
}

// ready is the rule of both HEALTH_PATH's status code and /readyz: a
// draining node, an unreachable backend or one whose mirrors are being
// rebuilt (syncing) takes no new clients. A Redis
// outage does not count, or every pod would be unready at once although
// each still serves its own clients.
func (h HealthReport) ready() bool {
	return h.Status == StatusOK || h.Status == StatusDegraded
}

// ServeHealth answers HEALTH_PATH: 200 while ready, else 503, with the
// report either way.
func (o *Ops) ServeHealth(w http.ResponseWriter, _ *http.Request) {
	h := o.Health()
	code := http.StatusOK
	if !h.ready() {
		code = http.StatusServiceUnavailable
	}
	WriteJSON(w, code, h)
}

// WriteJSON answers with v as JSON; these answers are never cached.
func WriteJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
