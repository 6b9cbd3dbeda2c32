package main

import (
	"encoding/json"
	"net/http"
	"time"
)

// basicHealth answers HEALTH_PATH with the fields of DESIGN §9 that this
// build knows: status, timestamp, redis, connections, serverId. It says
// "degraded" while the Redis bus is not healthy; local delivery still works,
// so the status code stays 200.
func (n *node) basicHealth(w http.ResponseWriter, _ *http.Request) {
	st := n.bus.Status()
	status := "ok"
	if n.cfg.Bus.Redis && !st.Healthy {
		status = "degraded"
	}
	body := map[string]any{
		"status":      status,
		"timestamp":   time.Now().UTC().Format(time.RFC3339Nano),
		"redis":       n.cfg.Bus.Redis && st.Healthy,
		"connections": n.proxy.Sessions(),
		"serverId":    n.cfg.ServerID,
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(body)
}
