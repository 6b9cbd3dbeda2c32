package ops

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

// Drain runs on SIGTERM/SIGINT before Shutdown: the node turns not ready
// (HEALTH_PATH and /readyz answer 503 "draining"), refuses new sessions
// (DrainGate), and tells its clients to reconnect elsewhere, DRAIN_RATE
// sessions per second, so the other nodes are not hit by a reconnect
// storm. It returns once no open session is left, or with ErrDrainTimeout
// when ctx ends first. The node keeps its registry entry, bus and mirrors
// meanwhile: clients not yet moved still get the cluster's traffic.
func (o *Ops) Drain(ctx context.Context) error {
	o.draining.Store(true)
	rate := max(o.cfg.DrainRate, 1)
	tick := max(time.Second/time.Duration(rate), drainTick)
	perTick := max(int(int64(rate)*int64(tick)/int64(time.Second)), 1)
	o.log.Info("draining: clients are told to reconnect elsewhere", "sessions", o.parts.Proxy.Sessions(),
		"rate_per_second", rate, "timeout", o.cfg.DrainTimeout.String())
	start := time.Now()
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		done := o.parts.Proxy.Drain(perTick)
		o.drained.Add(uint64(done))
		if done < perTick {
			o.log.Info("drained", "sessions", o.drained.Load(), "took", time.Since(start).String())
			return nil
		}
		select {
		case <-ctx.Done():
			left := o.parts.Proxy.Sessions()
			return fmt.Errorf("%w: %d sessions still open after %s", ErrDrainTimeout, left, time.Since(start).Round(time.Millisecond))
		case <-t.C:
		}
	}
}

// DrainGate refuses requests that would open a new client session while
// the node drains (503, so the client retries and the load balancer, which
// sees /readyz fail, picks another node). Requests of open sessions (an
// Engine.IO sid) and plain HTTP still pass.
func (o *Ops) DrainGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o.draining.Load() && o.opensSession(r) {
			w.Header().Set("Connection", "close")
			w.Header().Set("Retry-After", "1")
			http.Error(w, "draining: connect to another node", http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// opensSession: an Engine.IO request without a sid (PROTOCOL=socketio or
// engineio), or with PROTOCOL=websocket a WebSocket upgrade.
func (o *Ops) opensSession(r *http.Request) bool {
	if o.cfg.EngineIO() {
		p := strings.TrimSuffix(o.cfg.SocketIOPath, "/")
		return (r.URL.Path == p || r.URL.Path == p+"/") && r.URL.Query().Get("sid") == ""
	}
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}
