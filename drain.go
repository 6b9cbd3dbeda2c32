package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// drainTick is the shortest pause of the drain loop; at DRAIN_RATE above
// 1/drainTick several sessions go per tick.
const drainTick = 10 * time.Millisecond

// drain runs on SIGTERM/SIGINT before Shutdown: the node turns not ready
// (HEALTH_PATH and /readyz answer 503 "draining"), refuses new sessions
// (drainGate), and tells its clients to reconnect elsewhere, DRAIN_RATE
// sessions per second, so the other nodes are not hit by a reconnect
// storm. It returns once no open session is left, or with errDrainTimeout
// when ctx ends first. The node keeps its registry entry, bus and mirrors
// meanwhile: clients not yet moved still get the cluster's traffic.
func (n *node) drain(ctx context.Context) error {
	n.ops.draining.Store(true)
	rate := max(n.cfg.DrainRate, 1)
	tick := max(time.Second/time.Duration(rate), drainTick)
	perTick := max(int(int64(rate)*int64(tick)/int64(time.Second)), 1)
	n.log.Info("draining: clients are told to reconnect elsewhere", "sessions", n.proxy.Sessions(),
		"rate_per_second", rate, "timeout", n.cfg.DrainTimeout.String())
	start := time.Now()
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		done := n.proxy.Drain(perTick)
		n.ops.drained.Add(uint64(done))
		if done < perTick {
			n.log.Info("drained", "sessions", n.ops.drained.Load(), "took", time.Since(start).String())
			return nil
		}
		select {
		case <-ctx.Done():
			left := n.proxy.Sessions()
			return fmt.Errorf("%w: %d sessions still open after %s", errDrainTimeout, left, time.Since(start).Round(time.Millisecond))
		case <-t.C:
		}
	}
}

// drainGate refuses requests that would open a new client session while
// the node drains (503, so the client retries and the load balancer, which
// sees /readyz fail, picks another node). Requests of open sessions (an
// Engine.IO sid) and plain HTTP still pass.
func (n *node) drainGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.ops.draining.Load() && n.opensSession(r) {
			w.Header().Set("Connection", "close")
			w.Header().Set("Retry-After", "1")
			http.Error(w, "draining: connect to another node", http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// opensSession: an Engine.IO request without a sid, or with
// PROTOCOL=websocket a WebSocket upgrade.
func (n *node) opensSession(r *http.Request) bool {
	if n.cfg.Protocol == protocolSocketIO {
		p := strings.TrimSuffix(n.cfg.SocketIOPath, "/")
		return (r.URL.Path == p || r.URL.Path == p+"/") && r.URL.Query().Get("sid") == ""
	}
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}
