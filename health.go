package main

import (
	"encoding/json"
	"net/http"
	"time"
)

// Health statuses (DESIGN §9).
const (
	statusOK       = "ok"
	statusDegraded = "degraded" // Redis is down: local delivery still works
	statusDraining = "draining"
)

// healthReport is the JSON of HEALTH_PATH: the reference guide's fields
// (status, timestamp, redis, connections) and sidecast's own.
type healthReport struct {
	Status      string `json:"status"`
	Timestamp   string `json:"timestamp"`
	Redis       bool   `json:"redis"`       // the bus self-check (in-memory bus: false)
	Connections int    `json:"connections"` // local client sessions
	Mirrors     int    `json:"mirrors"`     // mirrors of other nodes' sessions open here
	Peers       int    `json:"peers"`       // live peers in the registry
	Backend     bool   `json:"backend"`     // BACKEND_URL accepts connections
	ServerID    string `json:"serverId"`
}

// health looks at the node now; the backend probe's answer is cached.
func (n *node) health() healthReport {
	st := n.bus.Status()
	h := healthReport{
		Status:      statusOK,
		Timestamp:   time.Now().UTC().Format(time.RFC3339Nano),
		Redis:       n.cfg.Bus.Redis && st.Healthy,
		Connections: n.proxy.Sessions(),
		Peers:       len(n.livePeers()),
		Backend:     n.ops.backend.reachable(),
		ServerID:    n.cfg.ServerID,
	}
	if cs, ok := n.clusterStats(); ok {
		h.Mirrors = cs.Mirrors
	}
	switch {
	case n.ops.draining.Load():
		h.Status = statusDraining
	case n.cfg.Bus.Redis && !st.Healthy:
		h.Status = statusDegraded
	}
	return h
}

// ready is the rule of both HEALTH_PATH's status code and /readyz: a
// draining node or an unreachable backend takes no new clients. A Redis
// outage does not count, or every pod would be unready at once although
// each still serves its own clients.
func (h healthReport) ready() bool { return h.Backend && h.Status != statusDraining }

// serveHealth answers HEALTH_PATH: 200 while ready, else 503, with the
// report either way.
func (n *node) serveHealth(w http.ResponseWriter, _ *http.Request) {
	h := n.health()
	code := http.StatusOK
	if !h.ready() {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, h)
}

// writeJSON answers with v as JSON; these answers are never cached.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
