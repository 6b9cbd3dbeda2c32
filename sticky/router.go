package sticky

import (
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sidecast/sidecast/fanout"
)

// DefaultDialTimeout bounds dialing a peer for a forward.
const DefaultDialTimeout = 5 * time.Second

// logEvery spaces the warnings that a client, or a dead peer, could
// otherwise repeat at request rate.
const logEvery = 10 * time.Second

// logLimit lets one log line through per logEvery.
type logLimit struct{ last atomic.Int64 } // unix ns of the last line let through

func (l *logLimit) due() bool {
	now := time.Now().UnixNano()
	last := l.last.Load()
	return now-last >= int64(logEvery) && l.last.CompareAndSwap(last, now)
}

// Config configures a Router. NodeID is required; every other field is
// useful at its zero value.
type Config struct {
	// NodeID is this node's id in the registry; its tag goes into every sid.
	NodeID string
	// EngineIOPath is where Engine.IO is served ("/socket.io/"); "" means
	// no session routing (PROTOCOL=websocket): the router then only
	// sanitises client headers.
	EngineIOPath string
	// Peers lists the live peers with their advertised addresses; nil
	// means no peers (every foreign sid is answered "Session ID unknown").
	Peers func() []fanout.Peer
	// DisableForwarding serves a foreign sid locally, where it is unknown,
	// as a cluster without sidecast's routing would (FORWARDING=off).
	DisableForwarding bool
	// Secret is CLUSTER_SECRET: when set, forwards are signed and an
	// incoming forward without a valid signature is refused (403). Empty
	// means forwards from trusted addresses are believed.
	Secret []byte
	// MaxSkew bounds a signed forward's clock skew; 0 means DefaultMaxSkew.
	MaxSkew time.Duration
	// Trusted are the proxies whose X-Forwarded-* is kept; nil means
	// DefaultTrustedProxies.
	Trusted []netip.Prefix
	// Cookie, when not nil, is set on every Engine.IO handshake answer.
	Cookie *Cookie
	// RelayWebSocket, when set, relays a websocket upgrade for a peer's
	// session (proxy.Server.RelayWebSocket: no goroutine per relay); it
	// dials target with header and answers w, or returns an error having
	// written nothing. nil means httputil.ReverseProxy relays it.
	RelayWebSocket func(w http.ResponseWriter, r *http.Request, target *url.URL, header http.Header) error
	// DialTimeout bounds dialing a peer; 0 means DefaultDialTimeout.
	DialTimeout time.Duration
	// Logger receives warnings; nil means slog.Default().
	Logger *slog.Logger
}

// Stats counts what the router did with requests for foreign sessions.
type Stats struct {
	Forwarded  uint64 // sent to the owner
	Refused    uint64 // forwards refused: bad or missing peer signature
	OwnerGone  uint64 // the owner is not a live peer, or did not answer
	HopUnknown uint64 // a forward for a sid this node does not own
}

// Router is the front of a node's client port: it sanitises what clients
// may not assert and routes Engine.IO requests to their session's owner.
type Router struct {
	cfg       Config
	log       *slog.Logger
	codec     *Codec
	self      Tag
	signer    *signer
	transport *http.Transport
	setCookie string // the Set-Cookie value, "" without a cookie

	forwarded, refused, ownerGone, hopUnknown atomic.Uint64
	refusedLog, lostLog                       logLimit
}

// New returns a router for cfg.
func New(cfg Config) *Router {
	if cfg.Trusted == nil {
		cfg.Trusted, _ = ParseTrusted(DefaultTrustedProxies)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.MaxSkew <= 0 {
		cfg.MaxSkew = DefaultMaxSkew
	}
	if cfg.EngineIOPath != "" && !strings.HasSuffix(cfg.EngineIOPath, "/") {
		cfg.EngineIOPath += "/"
	}
	r := &Router{
		cfg: cfg, log: cfg.Logger,
		codec:     NewCodec(cfg.Secret),
		self:      NodeTag(cfg.NodeID),
		transport: newTransport(cfg.DialTimeout),
	}
	if len(cfg.Secret) > 0 {
		r.signer = &signer{key: append([]byte(nil), cfg.Secret...), maxSkew: cfg.MaxSkew, now: time.Now}
	}
	if cfg.Cookie != nil {
		r.setCookie = cfg.Cookie.header(cookieValue(cfg.NodeID))
	}
	return r
}

func newTransport(dial time.Duration) *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: dial, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
		// No ResponseHeaderTimeout: a forwarded long-poll GET waits as long
		// as the owner holds it (up to the ping interval).
	}
}

// NewSID returns a fresh Engine.IO session id carrying this node's tag;
// it is proxy.Config.NewSID.
func (r *Router) NewSID() string { return r.codec.NewSID(r.self) }

// Tag returns this node's tag.
func (r *Router) Tag() Tag { return r.self }

// Stats returns a snapshot of the counters.
func (r *Router) Stats() Stats {
	return Stats{
		Forwarded: r.forwarded.Load(), Refused: r.refused.Load(),
		OwnerGone: r.ownerGone.Load(), HopUnknown: r.hopUnknown.Load(),
	}
}

// Close drops idle connections to peers. Forwarded websockets that are
// already relaying end with their client or their owner. Close is
// idempotent.
func (r *Router) Close() error {
	r.transport.CloseIdleConnections()
	return nil
}

// owner returns the live peer whose tag is t.
func (r *Router) owner(t Tag) (fanout.Peer, bool) {
	if r.cfg.Peers == nil {
		return fanout.Peer{}, false
	}
	for _, p := range r.cfg.Peers() {
		if p.Address != "" && NodeTag(p.ID) == t {
			return p, true
		}
	}
	return fanout.Peer{}, false
}
