package ops

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/http/pprof"
	"runtime"
	"strings"
	"time"

	"github.com/sidecast/sidecast/fanout"
	"github.com/sidecast/sidecast/proxy"
	"github.com/sidecast/sidecast/sticky"
)

// adminOnly lets a request through only with ADMIN_TOKEN as its bearer
// token: 403 while ADMIN_TOKEN is unset (the admin API is off), 401 with a
// missing or wrong token. Both sides are hashed before the constant-time
// compare so that not even the token's length leaks.
func (o *Ops) adminOnly(h http.Handler) http.Handler {
	want := sha256.Sum256([]byte(o.cfg.AdminToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o.cfg.AdminToken == "" {
			http.Error(w, "the admin API is off: set ADMIN_TOKEN", http.StatusForbidden)
			return
		}
		token, ok := bearer(r.Header.Get("Authorization"))
		got := sha256.Sum256([]byte(token))
		if !ok || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="sidecast admin"`)
			http.Error(w, "a valid bearer token is required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// bearer extracts the token of an "Authorization: Bearer <token>" value.
func bearer(v string) (string, bool) {
	scheme, token, ok := strings.Cut(v, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// adminStats is /admin/stats: every counter the node keeps.
type adminStats struct {
	ServerID    string              `json:"serverId"`
	Timestamp   string              `json:"timestamp"`
	Status      string              `json:"status"`
	Protocol    string              `json:"protocol"`
	Connections int                 `json:"connections"`
	Transports  proxy.Transports    `json:"transports"`
	Proxy       proxy.Stats         `json:"proxy"`
	Bus         fanout.Stats        `json:"bus"`
	MirrorsOn   bool                `json:"mirrorsOn"`
	Cluster     fanout.ClusterStats `json:"cluster"`
	Router      sticky.Stats        `json:"router"`
	Peers       []peerView          `json:"peers"`
	Drained     uint64              `json:"drained"`
}

type peerView struct {
	ID      string `json:"id"`
	Address string `json:"address"`
}

func (o *Ops) serveAdminStats(w http.ResponseWriter, _ *http.Request) {
	cs, on := o.parts.Cluster()
	WriteJSON(w, http.StatusOK, adminStats{
		ServerID:    o.cfg.ServerID,
		Timestamp:   time.Now().UTC().Format(time.RFC3339Nano),
		Status:      o.Health().Status,
		Protocol:    o.cfg.Protocol,
		Connections: o.parts.Proxy.Sessions(),
		Transports:  o.parts.Proxy.Transports(),
		Proxy:       o.parts.Proxy.Stats(),
		Bus:         o.parts.Bus.Stats(),
		MirrorsOn:   on,
		Cluster:     cs,
		Router:      o.parts.Router.Stats(),
		Peers:       o.peerViews(),
		Drained:     o.drained.Load(),
	})
}

func (o *Ops) peerViews() []peerView {
	peers := o.parts.LivePeers()
	out := make([]peerView, len(peers))
	for i, p := range peers {
		out[i] = peerView{ID: p.ID, Address: p.Address}
	}
	return out
}

// RedisMetrics is /admin/redis-metrics: the bus as Redis sees it.
type RedisMetrics struct {
	Enabled          bool    `json:"enabled"` // false: the in-memory bus
	Address          string  `json:"address,omitempty"`
	KeyPrefix        string  `json:"keyPrefix"`
	Connected        bool    `json:"connected"`
	Healthy          bool    `json:"healthy"`
	LastCheck        string  `json:"lastCheck,omitempty"`
	RoundTripMS      float64 `json:"roundTripMs"`
	Error            string  `json:"error,omitempty"`
	Published        uint64  `json:"published"`
	Received         uint64  `json:"received"`
	LostQueueFull    uint64  `json:"lostQueueFull"`
	LostTransport    uint64  `json:"lostTransport"`
	Reconnects       uint64  `json:"reconnects"`
	SelfChecksOK     uint64  `json:"selfChecksOk"`
	SelfChecksFailed uint64  `json:"selfChecksFailed"`
}

func (o *Ops) serveRedisMetrics(w http.ResponseWriter, _ *http.Request) {
	st, status := o.parts.Bus.Stats(), o.parts.Bus.Status()
	m := RedisMetrics{
		Enabled: o.cfg.Bus.Redis, KeyPrefix: o.cfg.RedisAdapterKey,
		Connected: status.Connected, Healthy: status.Healthy,
		RoundTripMS: float64(status.RoundTrip) / float64(time.Millisecond),
		Published:   st.Published, Received: st.Delivered,
		LostQueueFull: st.DroppedQueueFull, LostTransport: st.DroppedTransport,
		Reconnects: st.Reconnects, SelfChecksOK: st.SelfChecksOK, SelfChecksFailed: st.SelfChecksFailed,
	}
	if o.cfg.Bus.Redis {
		m.Address = o.cfg.RedisShown
	}
	if !status.LastCheck.IsZero() {
		m.LastCheck = status.LastCheck.UTC().Format(time.RFC3339Nano)
	}
	if status.Err != nil {
		m.Error = o.redact(status.Err.Error())
	}
	WriteJSON(w, http.StatusOK, m)
}

// DebugInfo is /admin/debug, the reference guide's DebugInfo.
type DebugInfo struct {
	LocalConnections int        `json:"localConnections"`
	Mirrors          int        `json:"mirrors"`
	RedisStatus      bool       `json:"redisStatus"`
	ServerID         string     `json:"serverID"`
	Peers            []peerView `json:"peers"`
	Draining         bool       `json:"draining"`
	Backend          bool       `json:"backend"`
	Goroutines       int        `json:"goroutines"`
}

func (o *Ops) serveDebug(w http.ResponseWriter, _ *http.Request) {
	h := o.Health()
	WriteJSON(w, http.StatusOK, DebugInfo{
		LocalConnections: h.Connections, Mirrors: h.Mirrors, RedisStatus: h.Redis,
		ServerID: o.cfg.ServerID, Peers: o.peerViews(), Draining: h.Status == StatusDraining,
		Backend: h.Backend, Goroutines: runtime.NumGoroutine(),
	})
}

// adminRoutes adds the admin API and, with PPROF=on, the profiler, each
// behind adminOnly. The profiler is off by default: a CPU profile or a
// trace costs the node real work, and the heap dump shows memory that
// holds client messages.
func (o *Ops) adminRoutes(mux *http.ServeMux) {
	mux.Handle("/admin/stats", o.adminOnly(http.HandlerFunc(o.serveAdminStats)))
	mux.Handle("/admin/redis-metrics", o.adminOnly(http.HandlerFunc(o.serveRedisMetrics)))
	mux.Handle("/admin/debug", o.adminOnly(http.HandlerFunc(o.serveDebug)))
	if !o.cfg.ProfilerOn() {
		return
	}
	mux.Handle("/debug/pprof/", o.adminOnly(http.HandlerFunc(pprof.Index)))
	mux.Handle("/debug/pprof/cmdline", o.adminOnly(http.HandlerFunc(pprof.Cmdline)))
	mux.Handle("/debug/pprof/profile", o.adminOnly(http.HandlerFunc(pprof.Profile)))
	mux.Handle("/debug/pprof/symbol", o.adminOnly(http.HandlerFunc(pprof.Symbol)))
	mux.Handle("/debug/pprof/trace", o.adminOnly(http.HandlerFunc(pprof.Trace)))
}
