package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/sidecast/sidecast/fanout"
	"github.com/sidecast/sidecast/proxy"
)

func (c *Config) checkServer() error {
	var errs []error
	errs = append(errs, checkPort("SERVER_PORT", c.ServerPort, false))
	if c.ServerID != "" {
		if err := fanout.ValidateNodeID(c.ServerID); err != nil {
			errs = append(errs, Errorf("SERVER_ID", "%q: %v", c.ServerID, err))
		}
	}
	errs = append(errs, c.checkProtocol())
	switch proxy.HostHeader(c.BackendHostHeader) {
	case proxy.HostFromClient, proxy.HostFromBackend:
	default:
		errs = append(errs, Errorf("BACKEND_HOST_HEADER", "%q is unknown; use client or backend", c.BackendHostHeader))
	}
	u, err := parseBackendURL(c.BackendURL)
	errs = append(errs, err)
	c.Backend = u
	return errors.Join(errs...)
}

// protocols are PROTOCOL's values.
var protocols = []string{ProtocolWebSocket, ProtocolSocketIO, ProtocolEngineIO}

// checkProtocol reads PROTOCOL in any case. Whether this build's proxy
// serves the protocol is checked again when the proxy is built (newProxy),
// which then also fails with exit code 2.
func (c *Config) checkProtocol() error {
	p := strings.ToLower(strings.TrimSpace(c.Protocol))
	if slices.Contains(protocols, p) {
		c.Protocol = p
		return nil
	}
	if near, ok := nearest(p, protocols, maxValueDistance); ok {
		return Errorf("PROTOCOL", "%q is unknown; did you mean %s? (websocket, socketio or engineio)", c.Protocol, near)
	}
	return Errorf("PROTOCOL", "%q is unknown; use websocket, socketio or engineio", c.Protocol)
}

func checkPort(name string, port int, zeroOK bool) error {
	if (port == 0 && zeroOK) || (port >= 1 && port <= 65535) {
		return nil
	}
	if zeroOK {
		return Errorf(name, "%d is not a port (0-65535)", port)
	}
	return Errorf(name, "%d is not a port (1-65535)", port)
}

// parseBackendURL accepts http and, as a synonym, ws; the proxy dials the
// backend's WebSocket and forwards plain HTTP to the same origin. What the
// proxy cannot serve (TLS toward the backend, today) is refused here, with
// the proxy's reason, so it is reported with every other bad setting.
func parseBackendURL(raw string) (*url.URL, error) {
	shown := quoteURL(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return nil, Errorf("BACKEND_URL", "%s is not a URL", shown)
	}
	switch u.Scheme {
	case "http", "ws", "https", "wss":
	default:
		return nil, Errorf("BACKEND_URL", "%s: scheme must be http or https", shown)
	}
	if u.Host == "" {
		return nil, Errorf("BACKEND_URL", "%s has no host", shown)
	}
	if u.User != nil {
		return nil, Errorf("BACKEND_URL", "%s: credentials in the URL are not supported", shown)
	}
	if err := proxy.CheckBackend(u); err != nil {
		return nil, Errorf("BACKEND_URL", "%s: %s", shown, strings.TrimPrefix(err.Error(), proxy.ErrBadBackend.Error()+": "))
	}
	switch u.Scheme {
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	}
	return u, nil
}

// maxFrameHeader is the largest RFC 6455 frame header.
const maxFrameHeader = 14

func (c *Config) checkLimits() error {
	var errs []error
	if c.MaxConnsPerIP < 0 {
		errs = append(errs, Errorf("MAX_CONNECTIONS_PER_IP", "%d is negative (0 means no limit)", c.MaxConnsPerIP))
	}
	if c.MaxConnections < 0 {
		errs = append(errs, Errorf("MAX_CONNECTIONS", "%d is negative (0 means no limit)", c.MaxConnections))
	}
	if c.MaxPayload <= 0 {
		errs = append(errs, Errorf("MAX_PAYLOAD", "%d must be a positive number of bytes", c.MaxPayload))
	}
	if c.WriteQueueSize <= 0 {
		errs = append(errs, Errorf("WRITE_QUEUE_SIZE", "%d must be a positive number of bytes", c.WriteQueueSize))
	} else if c.MaxPayload > 0 && c.WriteQueueSize < c.MaxPayload+maxFrameHeader {
		errs = append(errs, Errorf("WRITE_QUEUE_SIZE", "%d cannot hold one message of MAX_PAYLOAD (%d) plus its %d-byte frame header", c.WriteQueueSize, c.MaxPayload, maxFrameHeader))
	}
	errs = append(errs, positive("HANDSHAKE_TIMEOUT", c.HandshakeTimeout))
	return errors.Join(errs...)
}

func positive(name string, d time.Duration) error {
	if d <= 0 {
		return Errorf(name, "%s must be positive", d)
	}
	return nil
}

func (c *Config) checkOps() error {
	var errs []error
	if !strings.HasPrefix(c.HealthPath, "/") {
		errs = append(errs, Errorf("HEALTH_PATH", "%q must start with /", c.HealthPath))
	}
	errs = append(errs,
		positive("DRAIN_TIMEOUT", c.DrainTimeout),
		positive("HEARTBEAT_INTERVAL", c.HeartbeatInterval),
		positive("HEARTBEAT_TTL", c.HeartbeatTTL),
		positive("OUTAGE_LOG_INTERVAL", c.OutageLogInterval),
		checkPort("DEMO_PORT", c.DemoPort, true),
	)
	if c.HeartbeatInterval > 0 && c.HeartbeatTTL > 0 && c.HeartbeatTTL <= c.HeartbeatInterval {
		errs = append(errs, Errorf("HEARTBEAT_TTL", "%s must be longer than HEARTBEAT_INTERVAL (%s)", c.HeartbeatTTL, c.HeartbeatInterval))
	}
	if _, err := ParseLogLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		errs = append(errs, Errorf("LOG_FORMAT", "%q is unknown; use json or text", c.LogFormat))
	}
	return errors.Join(errs...)
}

// generateServerID gives a node without SERVER_ID a readable, unique id: the
// host name (a pod name under Kubernetes) and a random suffix, so restarts
// of one host never collide.
func generateServerID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "sidecast"
	}
	host = strings.Map(func(r rune) rune {
		if strings.ContainsRune("._-", r) || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
			return r
		}
		return '-'
	}, host)
	if len(host) > 50 {
		host = host[:50]
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return host + "-" + hex.EncodeToString(b[:])
}
