package e2e

import (
	"strings"
	"testing"

	"github.com/sidecast/sidecast/internal/config"
	"github.com/sidecast/sidecast/internal/testkit"
)

func TestHelp(t *testing.T) {
	for _, arg := range []string{"--help", "-h", "help"} {
		t.Run(arg, func(t *testing.T) {
			p := startProc(t, nil, arg)
			if code := p.exitCode(); code != 0 {
				t.Fatalf("exit code %d, want 0", code)
			}
			out := p.Stdout.String()
			for _, s := range config.Settings() {
				if !strings.Contains(out, "  "+s.Name+" [") {
					t.Errorf("help does not list %s", s.Name)
				}
				if s.Default != "" && !strings.Contains(out, s.Name+" ["+s.Default+"]") {
					t.Errorf("help does not show %s's default %s", s.Name, s.Default)
				}
			}
			for _, name := range testkit.DocumentedVariables {
				if !strings.Contains(out, "  "+name+" [") {
					t.Errorf("help does not list %s", name)
				}
			}
		})
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		code    int
		stderr  string
		without string
	}{
		{"bad port", map[string]string{"SERVER_PORT": "http"}, nil, 2, `SERVER_PORT: "http" is not an integer`, ""},
		{"unknown protocol", map[string]string{"PROTOCOL": "mqtt"}, nil, 2, "PROTOCOL: \"mqtt\" is unknown", ""},
		{"malformed LOCAL_EVENTS", map[string]string{"LOCAL_EVENTS": "a,b@c"}, nil, 2, "LOCAL_EVENTS: entry \"b@c\"", ""},
		{"unreadable CA", map[string]string{"REDIS_HOST": "127.0.0.1", "REDIS_TLS": "true", "REDIS_TLS_CA": "/nonexistent/ca.pem"}, nil, 2, "REDIS_TLS_CA:", ""},
		{"cert without key", map[string]string{"REDIS_HOST": "127.0.0.1", "REDIS_TLS": "true", "REDIS_TLS_CERT": "/x.pem"}, nil, 2, "REDIS_TLS_CERT is set without its key", ""},
		{"bad URL keeps its password", map[string]string{"REDIS_URL": "redis://app:Pa55-w0rd!@cache:notaport"}, nil, 2, "REDIS_URL:", "Pa55-w0rd!"},
		{"password with another error", map[string]string{"REDIS_PASSWORD": "Pa55-w0rd!", "MAX_PAYLOAD": "-1"}, nil, 2, "MAX_PAYLOAD:", "Pa55-w0rd!"},
		{"unknown command", nil, []string{"serve-me"}, 2, `unknown command "serve-me"`, ""},
		{"extra arguments", nil, []string{"demo", "now"}, 2, "unexpected arguments", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startProc(t, tt.env, tt.args...)
			if code := p.exitCode(); code != tt.code {
				t.Fatalf("exit code %d, want %d", code, tt.code)
			}
			errOut := p.Stderr.String()
			if !strings.Contains(errOut, tt.stderr) {
				t.Fatalf("stderr %q does not say %q", errOut, tt.stderr)
			}
			if tt.without != "" && strings.Contains(errOut+p.Stdout.String(), tt.without) {
				t.Fatalf("output shows the secret %q:\n%s", tt.without, errOut)
			}
		})
	}
}

// TestPortInUse: a start-up failure that is not configuration exits 1.
func TestPortInUse(t *testing.T) {
	ln := testkit.ListenLoopback(t)
	port := ln.Addr().String()[strings.LastIndex(ln.Addr().String(), ":")+1:]
	p := startProc(t, map[string]string{"SERVER_PORT": port})
	if code := p.exitCode(); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	if !strings.Contains(p.Stderr.String(), "listen on SERVER_PORT") {
		t.Fatalf("stderr does not explain: %s", p.Stderr.String())
	}
}
