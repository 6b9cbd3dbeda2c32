package node

import (
	"net"
	"net/http"
	"net/url"

	"github.com/sidecast/sidecast/fanout"
	"github.com/sidecast/sidecast/internal/config"
	"github.com/sidecast/sidecast/sticky"
)

// startRouter builds the front of the client port (package sticky) and
// the URL the registry advertises to peers for forwards. It runs before
// the proxy, which takes the router's tagged session ids.
func (n *Node) startRouter() error {
	raw, port := n.cfg.AdvertiseURL, n.cfg.ServerPort
	if a, ok := n.ln.Addr().(*net.TCPAddr); ok {
		port = a.Port
		if raw == "" && !a.IP.IsUnspecified() {
			// Bound to one address (the demo, tests): peers reach it there.
			raw = "http://" + a.String()
		}
	}
	adv, err := sticky.AdvertiseURL(raw, port)
	if err != nil {
		return config.Errorf("ADVERTISE_URL", "%v", err)
	}
	n.advertised = adv
	rc := sticky.Config{
		NodeID:            n.cfg.ServerID,
		Peers:             n.LivePeers,
		DisableForwarding: n.cfg.Forwarding == config.ForwardingOff,
		Secret:            []byte(n.cfg.ClusterSecret),
		Trusted:           n.cfg.Trusted,
		Cookie:            n.cfg.Cookie,
		DialTimeout:       n.cfg.HandshakeTimeout,
		// Upgrades for a peer's session relay in the proxy's poller, with
		// no goroutine per websocket; n.proxy exists before any request.
		RelayWebSocket: func(w http.ResponseWriter, r *http.Request, target *url.URL, h http.Header) error {
			return n.proxy.RelayWebSocket(w, r, target, h)
		},
		Logger: n.log,
	}
	if n.cfg.EngineIO() {
		rc.EngineIOPath = n.cfg.SocketIOPath
	}
	n.router = sticky.New(rc)
	switch {
	case rc.EngineIOPath == "":
	case rc.DisableForwarding:
		n.log.Warn("forwarding is off (FORWARDING=off): a request that reaches a node other than its session's owner gets Session ID unknown; the load balancer must be sticky")
	case n.cfg.ClusterSecret == "":
		n.log.Warn("CLUSTER_SECRET is not set: requests forwarded between nodes are trusted from any TRUSTED_PROXIES address without a signature", "advertise", adv)
	default:
		n.log.Info("forwarding requests to their session's owner, signed with CLUSTER_SECRET", "advertise", adv)
	}
	return nil
}

// LivePeers is the router's view of the registry; it runs on request
// goroutines, after Start set the registry.
func (n *Node) LivePeers() []fanout.Peer {
	if n.registry == nil {
		return nil
	}
	return n.registry.Peers()
}

// closeRouter logs what the router did for other nodes' sessions and drops
// its idle peer connections.
func (n *Node) closeRouter() {
	st := n.router.Stats()
	n.log.Info("requests for sessions of other nodes", "forwarded", st.Forwarded,
		"refused", st.Refused, "owner_gone", st.OwnerGone, "hop_unknown", st.HopUnknown)
	_ = n.router.Close()
}
