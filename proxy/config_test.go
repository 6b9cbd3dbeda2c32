package proxy

import (
	"errors"
	"net/url"
	"testing"
)

func TestNewValidatesConfig(t *testing.T) {
	backend := &url.URL{Scheme: "http", Host: "127.0.0.1:3001"}
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		{"zero value but backend", Config{Backend: backend}, nil},
		{"ws backend", Config{Backend: &url.URL{Scheme: "ws", Host: "127.0.0.1:3001"}}, nil},
		{"no backend", Config{}, ErrBadBackend},
		{"backend without host", Config{Backend: &url.URL{Scheme: "http"}}, ErrBadBackend},
		{"ftp backend", Config{Backend: &url.URL{Scheme: "ftp", Host: "x"}}, ErrBadBackend},
		{"unknown protocol", Config{Backend: backend, Protocol: "mqtt"}, ErrUnsupportedProtocol},
		{"negative max connections", Config{Backend: backend, MaxConnections: -1}, ErrBadConfig},
		{"negative max payload", Config{Backend: backend, MaxPayload: -1}, ErrBadConfig},
		{"negative workers", Config{Backend: backend, Workers: -2}, ErrBadConfig},
		{"queue smaller than a message", Config{Backend: backend, MaxPayload: 1 << 20, WriteQueueBytes: 1 << 10}, ErrBadConfig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(tc.cfg)
			if p != nil {
				defer p.Close()
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("New error = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := Config{Backend: &url.URL{Scheme: "http", Host: "h"}}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Protocol != ProtocolWebSocket || cfg.MaxPayload != DefaultMaxPayload ||
		cfg.WriteQueueBytes != DefaultWriteQueueBytes || cfg.HandshakeTimeout != DefaultHandshakeTimeout ||
		cfg.DialTimeout != DefaultDialTimeout || cfg.CloseGrace != DefaultCloseGrace || cfg.Logger == nil {
		t.Fatalf("defaults not filled: %+v", cfg)
	}
}
