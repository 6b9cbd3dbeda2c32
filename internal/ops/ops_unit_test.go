package ops

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/sidecast/sidecast/internal/config"
	"github.com/sidecast/sidecast/internal/testkit"
)

// TestRedactHandler: a configured secret never survives into a formatted
// line, whatever carries it: message, string, error, struct, group or
// attributes bound early with With.
func TestRedactHandler(t *testing.T) {
	const pw = "hunter2-secret"
	cfg := &config.Config{ServerID: "r", LogLevel: "debug", RedisPassword: pw, AdminToken: "adm-tok-0123456789", ClusterSecret: "cl-sec-0123456789",
		RedisURL: "redis://u:" + url.PathEscape("sl/ash@pw") + "@h:1"}
	secrets := cfg.Secrets()
	tests := []struct {
		name string
		log  func(l *slog.Logger)
	}{
		{"message", func(l *slog.Logger) { l.Info("dialing with " + pw) }},
		{"string attr", func(l *slog.Logger) { l.Debug("x", "password", pw) }},
		{"error attr", func(l *slog.Logger) { l.Error("x", "err", fmt.Errorf("auth %s failed: %w", pw, errors.ErrUnsupported)) }},
		{"struct attr", func(l *slog.Logger) { l.Warn("x", "cfg", struct{ P string }{pw}) }},
		{"group", func(l *slog.Logger) { l.Info("x", slog.Group("redis", "url", "redis://:"+pw+"@h")) }},
		{"with", func(l *slog.Logger) { l.With("token", "Bearer adm-tok-0123456789").Info("x") }},
		{"with group", func(l *slog.Logger) { l.WithGroup("g").Info("x", "secret", "cl-sec-0123456789") }},
		{"url password raw", func(l *slog.Logger) { l.Info("x", "pw", "sl/ash@pw") }},
		{"url password escaped", func(l *slog.Logger) { l.Info("x", "url", cfg.RedisURL) }},
	}
	for _, format := range []string{"json", "text"} {
		for _, tt := range tests {
			t.Run(format+"/"+tt.name, func(t *testing.T) {
				var buf bytes.Buffer
				c := *cfg
				c.LogFormat = format
				tt.log(NewLogger(&c, &buf))
				out := buf.String()
				if !strings.Contains(out, redacted) {
					t.Fatalf("nothing redacted in %s", out)
				}
				for _, s := range secrets {
					if strings.Contains(out, s) {
						t.Fatalf("%q survived: %s", s, out)
					}
				}
			})
		}
	}
	// Without secrets the handler is not in the way at all.
	if h := withRedaction(slog.NewTextHandler(&bytes.Buffer{}, nil), nil); fmt.Sprintf("%T", h) != "*slog.TextHandler" {
		t.Fatalf("handler without secrets is %T", h)
	}
}

func TestBearer(t *testing.T) {
	tests := []struct {
		in, token string
		ok        bool
	}{
		{"Bearer abc", "abc", true},
		{"bearer abc", "abc", true},
		{"BEARER  abc ", "abc", true},
		{"Bearer ", "", false},
		{"Bearer", "", false},
		{"Basic abc", "", false},
		{"", "", false},
		{"abc", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			token, ok := bearer(tt.in)
			if token != tt.token || ok != tt.ok {
				t.Fatalf("bearer(%q) = %q, %v; want %q, %v", tt.in, token, ok, tt.token, tt.ok)
			}
		})
	}
}

// FuzzBearer: any header value parses without panicking, and a token is
// returned only for the Bearer scheme, never empty or padded.
func FuzzBearer(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer  x ", "Basic a", "", "Bearer"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		token, ok := bearer(v)
		if !ok {
			if token != "" {
				t.Fatalf("token %q without ok", token)
			}
			return
		}
		if token == "" || strings.TrimSpace(token) != token || !strings.EqualFold(v[:6], "bearer") {
			t.Fatalf("bearer(%q) = %q", v, token)
		}
	})
}

// TestBackendProbeCaches: many concurrent askers within the TTL cost one
// dial, and the answer follows the backend.
func TestBackendProbeCaches(t *testing.T) {
	ln := testkit.ListenLoopback(t)
	u, _ := url.Parse("http://" + ln.Addr().String())
	p := newBackendProbe(u)
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !p.reachable() {
				t.Error("listening backend reported unreachable")
			}
		}()
	}
	wg.Wait()
	if p.dials != 1 {
		t.Fatalf("%d dials for 50 concurrent askers, want 1", p.dials)
	}
	_ = ln.Close()
	p.ttl = 0 // every ask is stale now
	if p.reachable() {
		t.Fatal("closed backend reported reachable")
	}
}

func TestHostPort(t *testing.T) {
	for in, want := range map[string]string{
		"http://h:81/x": "h:81", "http://h": "h:80", "https://h": "h:443", "http://[::1]": "[::1]:80",
	} {
		u, _ := url.Parse(in)
		if got := hostPort(u); got != want {
			t.Errorf("hostPort(%s) = %s, want %s", in, got, want)
		}
		if _, _, err := net.SplitHostPort(hostPort(u)); err != nil {
			t.Error(err)
		}
	}
}

// TestEchoLabelsBounded: the echo metric keeps the most frequent names and
// sums the rest, however many names a backend emits.
func TestEchoLabelsBounded(t *testing.T) {
	echoes := map[string]uint64{}
	for i := range maxEchoLabels + 20 {
		echoes[fmt.Sprintf("ev%03d", i)] = uint64(i + 1)
	}
	ch := make(chan prometheus.Metric, 2*maxEchoLabels)
	collectEchoes(ch, echoes)
	close(ch)
	labels, other := 0, 0.0
	for m := range ch {
		var pb dto.Metric
		if err := m.Write(&pb); err != nil {
			t.Fatal(err)
		}
		labels++
		if pb.GetLabel()[0].GetValue() == "(other)" {
			other = pb.GetCounter().GetValue()
		}
	}
	if labels != maxEchoLabels+1 || other != 20*21/2 {
		t.Fatalf("%d label values, (other)=%v; want %d and %d", labels, other, maxEchoLabels+1, 20*21/2)
	}
}

// TestObserveRedisAllocatesNothing: the bus's round-trip hook costs no
// allocation per batch or probe.
func TestObserveRedisAllocatesNothing(t *testing.T) {
	o := New(&config.Config{Backend: &url.URL{Scheme: "http", Host: "127.0.0.1:1"}}, slog.New(slog.DiscardHandler))
	if a := testing.AllocsPerRun(1000, func() {
		o.ObserveRedis("publish", time.Millisecond)
		o.ObserveRedis("selfcheck", 2*time.Millisecond)
	}); a != 0 {
		t.Fatalf("%v allocations per observation", a)
	}
}
