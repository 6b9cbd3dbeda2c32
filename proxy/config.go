package proxy

import (
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"time"

	"github.com/sidecast/sidecast/proxy/wsframe"
)

// Protocol is what clients and the backend speak.
type Protocol string

// Protocols. ProtocolSocketIO and ProtocolEngineIO terminate Engine.IO v4
// on SocketIOPath; ProtocolEngineIO relays whole Engine.IO messages without
// reading them as Socket.IO packets (for servers that use engine.io directly).
const (
	ProtocolWebSocket Protocol = "websocket"
	ProtocolSocketIO  Protocol = "socketio"
	ProtocolEngineIO  Protocol = "engineio"
)

// EngineIO reports whether p terminates Engine.IO for clients.
func (p Protocol) EngineIO() bool { return p == ProtocolSocketIO || p == ProtocolEngineIO }

// Defaults of the Config fields left at their zero value.
const (
	DefaultMaxPayload       = wsframe.DefaultMaxPayload
	DefaultWriteQueueBytes  = 4 << 20
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultDialTimeout      = 5 * time.Second
	// DefaultFailureLogInterval is one line about backend failures of
	// client requests per interval at most.
	DefaultFailureLogInterval = 30 * time.Second
	// DefaultCloseGrace is how long a leg that was told to close may take to
	// flush its close frame and see the peer's answer before its socket is
	// closed anyway.
	DefaultCloseGrace = 2 * time.Second
	// closeGrace is DefaultCloseGrace, for timers that are not per leg.
	closeGrace = DefaultCloseGrace
)

// HostHeader says which Host a backend is sent.
type HostHeader string

// HostHeader values. HostFromClient is what a reverse proxy configured for
// WebSockets does (nginx's proxy_set_header Host $host): the backend sees the
// Host the client asked for, so a same-origin check (Origin against Host)
// passes for browsers. HostFromBackend sends BACKEND_URL's host, for a
// backend that routes on its own name.
const (
	HostFromClient  HostHeader = "client"
	HostFromBackend HostHeader = "backend"
)

// Config configures a Server. Every field is useful at its zero value except
// Backend, which is required.
type Config struct {
	// Protocol is what clients speak; "" means ProtocolWebSocket.
	Protocol Protocol
	// SocketIOPath is where Engine.IO is served with ProtocolSocketIO or
	// ProtocolEngineIO; ""
	// means DefaultSocketIOPath ("/socket.io/").
	SocketIOPath string
	// NewSID makes the Engine.IO session ids handed to clients, so they can
	// carry this node's tag (package sticky); nil means random ids.
	NewSID func() string
	// Backend is the backend's base URL (http, https, ws or wss). WebSocket
	// sessions are dialed at its host with the client's path and query appended
	// to its path; other requests are reverse-proxied to it.
	Backend *url.URL
	// BackendHostHeader is the Host every request to the backend carries
	// (upgrades, mirrors, plain HTTP); "" means HostFromClient.
	BackendHostHeader HostHeader
	// MaxConnections caps concurrent proxied sessions; past it upgrades get 503.
	// 0 means unlimited.
	MaxConnections int
	// MaxPayload caps one message in either direction (fragments added up); a
	// bigger message closes the session with 1009. 0 means DefaultMaxPayload.
	MaxPayload int64
	// Workers is the number of goroutines serving ready connections; 0 means
	// max(4, GOMAXPROCS).
	Workers int
	// WriteQueueBytes bounds the bytes queued toward one leg; past it that side
	// is too slow and is closed with 1008. 0 means DefaultWriteQueueBytes. It
	// must hold at least one message of MaxPayload.
	WriteQueueBytes int
	// HandshakeTimeout bounds writing the client's upgrade response; 0 means
	// DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
	// DialTimeout bounds dialing the backend and its upgrade; 0 means
	// DefaultDialTimeout.
	DialTimeout time.Duration
	// TrustedProxies are the peers whose X-Forwarded-For is appended to (and
	// whose X-Forwarded-Proto and -Host are kept); anyone else's are replaced.
	// nil means DefaultTrustedProxies; an empty slice trusts no one.
	TrustedProxies []netip.Prefix
	// CloseGrace bounds how long a closing leg may take to flush its close
	// frame to a slow peer and wait for the peer's answer; 0 means
	// DefaultCloseGrace.
	CloseGrace time.Duration
	// Logger receives the proxy's logs; nil means slog.Default().
	Logger *slog.Logger
	// FailureLogInterval is the least time between two log lines about
	// client requests the backend failed (during an outage, every client's
	// retry fails); the next line counts those in between. 0 means
	// DefaultFailureLogInterval.
	FailureLogInterval time.Duration
}

// withDefaults returns c with zero fields filled, or an error naming the field
// that is wrong.
func (c Config) withDefaults() (Config, error) {
	if c.Protocol == "" {
		c.Protocol = ProtocolWebSocket
	}
	if c.Protocol != ProtocolWebSocket && !c.Protocol.EngineIO() {
		return c, fmt.Errorf("%w: %q", ErrUnsupportedProtocol, c.Protocol)
	}
	if err := CheckBackend(c.Backend); err != nil {
		return c, err
	}
	if c.MaxPayload == 0 {
		c.MaxPayload = DefaultMaxPayload
	}
	if c.WriteQueueBytes == 0 {
		c.WriteQueueBytes = max(DefaultWriteQueueBytes, int(c.MaxPayload)+2*wsframe.MaxCloseReason)
	}
	switch c.BackendHostHeader {
	case "":
		c.BackendHostHeader = HostFromClient
	case HostFromClient, HostFromBackend:
	default:
		return c, fmt.Errorf("%w: BackendHostHeader %q is not %q or %q", ErrBadConfig, c.BackendHostHeader, HostFromClient, HostFromBackend)
	}
	c.HandshakeTimeout = orDefault(c.HandshakeTimeout, DefaultHandshakeTimeout)
	c.DialTimeout = orDefault(c.DialTimeout, DefaultDialTimeout)
	c.CloseGrace = orDefault(c.CloseGrace, DefaultCloseGrace)
	c.FailureLogInterval = orDefault(c.FailureLogInterval, DefaultFailureLogInterval)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.TrustedProxies == nil {
		c.TrustedProxies = DefaultTrustedProxies
	}
	return c, c.checkLimits()
}

func (c Config) checkLimits() error {
	switch {
	case c.MaxConnections < 0:
		return fmt.Errorf("%w: MaxConnections %d is negative", ErrBadConfig, c.MaxConnections)
	case c.MaxPayload < 0:
		return fmt.Errorf("%w: MaxPayload %d is negative", ErrBadConfig, c.MaxPayload)
	case c.Workers < 0:
		return fmt.Errorf("%w: Workers %d is negative", ErrBadConfig, c.Workers)
	case int64(c.WriteQueueBytes) < c.MaxPayload+wsframe.MaxHeaderSize:
		return fmt.Errorf("%w: WriteQueueBytes %d cannot hold a message of MaxPayload %d",
			ErrBadConfig, c.WriteQueueBytes, c.MaxPayload)
	}
	return nil
}

// CheckBackend reports whether the proxy can serve a backend at u: an error
// wrapping ErrBadBackend says why not. The configuration calls it too, so
// that a refused BACKEND_URL is reported with every other bad setting.
func CheckBackend(u *url.URL) error {
	if u == nil || u.Host == "" {
		return fmt.Errorf("%w: a host is required", ErrBadBackend)
	}
	switch u.Scheme {
	case "http", "ws":
		return nil
	case "https", "wss":
		// The relay does its I/O on the raw socket; TLS toward the backend needs
		// a user-space TLS leg, which is not built yet. A sidecar's backend
		// listens on loopback, where plain TCP is the norm.
		return fmt.Errorf("%w: scheme %q is not supported yet (use http or ws)", ErrBadBackend, u.Scheme)
	}
	return fmt.Errorf("%w: scheme %q is not http, https, ws or wss", ErrBadBackend, u.Scheme)
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
