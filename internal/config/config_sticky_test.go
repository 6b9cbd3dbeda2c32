package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/sidecast/sidecast/sticky"
)

func TestConfigStickyDefaults(t *testing.T) {
	cfg := mustLoad(t, map[string]string{})
	if cfg.SocketIOPath != "/socket.io/" || cfg.Forwarding != ForwardingOn || cfg.Cookie != nil ||
		cfg.AdvertiseURL != "" || cfg.ClusterSecret != "" {
		t.Fatalf("defaults: path %q, forwarding %q, cookie %v, advertise %q", cfg.SocketIOPath, cfg.Forwarding, cfg.Cookie, cfg.AdvertiseURL)
	}
	want, _ := sticky.ParseTrusted(sticky.DefaultTrustedProxies)
	if len(cfg.Trusted) != len(want) {
		t.Fatalf("TRUSTED_PROXIES default %v, want %v", cfg.Trusted, want)
	}
}

func TestConfigStickyValues(t *testing.T) {
	cfg := mustLoad(t, map[string]string{
		"SOCKETIO_PATH": "/chat/", "FORWARDING": "off", "ADVERTISE_URL": "http://10.0.0.5:3000",
		"STICKY_COOKIE":   "sidecast_node; Path=/; HttpOnly; SameSite=Lax",
		"TRUSTED_PROXIES": "10.0.0.0/8, 203.0.113.7", "CLUSTER_SECRET": "sticky-cluster-secret",
	})
	if cfg.SocketIOPath != "/chat/" || cfg.Forwarding != ForwardingOff || cfg.AdvertiseURL != "http://10.0.0.5:3000" {
		t.Fatalf("got path %q, forwarding %q, advertise %q", cfg.SocketIOPath, cfg.Forwarding, cfg.AdvertiseURL)
	}
	if cfg.Cookie == nil || cfg.Cookie.Name != "sidecast_node" || len(cfg.Cookie.Attrs) != 3 {
		t.Fatalf("cookie %+v", cfg.Cookie)
	}
	if len(cfg.Trusted) != 2 || cfg.Trusted[1].String() != "203.0.113.7/32" {
		t.Fatalf("trusted %v", cfg.Trusted)
	}
}

func TestConfigStickyErrors(t *testing.T) {
	tests := []struct {
		env  map[string]string
		name string
	}{
		{map[string]string{"SOCKETIO_PATH": "socket.io"}, "SOCKETIO_PATH"},
		{map[string]string{"FORWARDING": "maybe"}, "FORWARDING"},
		{map[string]string{"ADVERTISE_URL": "10.0.0.5:3000"}, "ADVERTISE_URL"},
		{map[string]string{"ADVERTISE_URL": "ftp://10.0.0.5"}, "ADVERTISE_URL"},
		{map[string]string{"STICKY_COOKIE": "a b; Path=/"}, "STICKY_COOKIE"},
		{map[string]string{"STICKY_COOKIE": "n; Pth=/"}, "STICKY_COOKIE"},
		{map[string]string{"TRUSTED_PROXIES": "10.0.0.0/33"}, "TRUSTED_PROXIES"},
	}
	for _, tt := range tests {
		t.Run(fmtEnv(tt.env), func(t *testing.T) {
			_, err := Load(tt.env)
			if !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), tt.name) {
				t.Fatalf("Load: %v; want a configuration error naming %s", err, tt.name)
			}
		})
	}
	_, err := Load(map[string]string{"CLUSTER_SECRET": "hunter2-hunter2-hunter2", "TRUSTED_PROXIES": "nope"})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error %v must not quote the secret", err)
	}
}
