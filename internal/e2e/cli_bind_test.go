package e2e

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sidecast/sidecast/internal/testkit"
)

// TestListenAddresses: SERVER_ADDR and METRICS_ADDR choose the host each
// port is bound to, as the kernel sees it (/proc/net/tcp and tcp6), and the
// metrics port stays on loopback unless told otherwise.
func TestListenAddresses(t *testing.T) {
	tests := []struct {
		name                   string
		env                    map[string]string
		wantServer, wantMetric string // "*" is any wildcard (0.0.0.0 or ::)
	}{
		{"defaults", nil, "*", "127.0.0.1"},
		{"both on loopback hosts", map[string]string{"SERVER_ADDR": "127.0.0.1", "METRICS_ADDR": "127.0.0.2"}, "127.0.0.1", "127.0.0.2"},
		{"metrics on every interface", map[string]string{"METRICS_ADDR": "0.0.0.0"}, "*", "*"},
		{"IPv6 loopback", map[string]string{"SERVER_ADDR": "::1"}, "::1", "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sport, mport := testkit.FreePort(t), testkit.FreePort(t)
			env := map[string]string{"SERVER_PORT": strconv.Itoa(sport), "METRICS_PORT": strconv.Itoa(mport),
				"BACKEND_URL": "http://127.0.0.1:1", "LOG_FORMAT": "text"}
			for k, v := range tt.env {
				env[k] = v
			}
			p := startProc(t, env)
			p.waitOutput(&p.Stderr, `sidecast listening`)
			p.waitOutput(&p.Stderr, `metrics, probes and admin API listening`)
			assertListening(t, sport, tt.wantServer)
			assertListening(t, mport, tt.wantMetric)
		})
	}
}

// assertListening: exactly one socket listens on port, bound to want ("*":
// a wildcard address).
func assertListening(t *testing.T, port int, want string) {
	t.Helper()
	got, err := testkit.ListeningOn(port)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("port %d: listeners %v, want one", port, got)
	}
	addr := got[0].Addr()
	if want == "*" {
		if !addr.IsUnspecified() {
			t.Fatalf("port %d is bound to %v, want every interface", port, addr)
		}
		return
	}
	if addr != netip.MustParseAddr(want) {
		t.Fatalf("port %d is bound to %v, want %s", port, addr, want)
	}
}

// TestPprofOnlyWithSetting: the profiler answers on the metrics port only
// with PPROF=on, even to the right admin token.
func TestPprofOnlyWithSetting(t *testing.T) {
	const token = "pprof-test-admin-token"
	for _, tt := range []struct {
		pprof string
		want  []int // status of /debug/pprof/, /debug/pprof/cmdline
	}{
		{"", []int{404, 404}},
		{"off", []int{404, 404}},
		{"on", []int{200, 200}},
	} {
		t.Run("PPROF="+tt.pprof, func(t *testing.T) {
			mport := strconv.Itoa(testkit.FreePort(t))
			env := map[string]string{"SERVER_PORT": strconv.Itoa(testkit.FreePort(t)), "METRICS_PORT": mport,
				"ADMIN_TOKEN": token, "BACKEND_URL": "http://127.0.0.1:1", "LOG_FORMAT": "text"}
			if tt.pprof != "" {
				env["PPROF"] = tt.pprof
			}
			p := startProc(t, env)
			p.waitOutput(&p.Stderr, `metrics, probes and admin API listening`)
			var got []int
			for _, path := range []string{"/debug/pprof/", "/debug/pprof/cmdline"} {
				code, _ := get(t, "http://127.0.0.1:"+mport+path, token)
				got = append(got, code)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("pprof answers %v, want %v", got, tt.want)
			}
			if code, _ := get(t, "http://127.0.0.1:"+mport+"/admin/stats", token); code != 200 {
				t.Fatalf("/admin/stats answers %d with the token", code)
			}
		})
	}
}

// TestHealthcheckFollowsServerAddr: with SERVER_PORT on one address, the
// healthcheck command asks that address, not 127.0.0.1, where nothing
// listens on the port.
func TestHealthcheckFollowsServerAddr(t *testing.T) {
	chat := startChat(t)
	portN := testkit.FreePort(t)
	port := strconv.Itoa(portN)
	env := map[string]string{"SERVER_PORT": port, "SERVER_ADDR": "127.0.0.2", "BACKEND_URL": chat.URL, "LOG_FORMAT": "text"}
	p := startProc(t, env)
	p.waitOutput(&p.Stderr, `sidecast listening`)
	assertListening(t, portN, "127.0.0.2")
	check := startProc(t, env, "healthcheck")
	if code := check.exitCode(); code != 0 {
		t.Fatalf("healthcheck exit %d, want 0: %s", code, check.Stderr.String())
	}
	if out := check.Stdout.String(); !strings.Contains(out, "http://127.0.0.2:"+port+"/health") {
		t.Fatalf("healthcheck asked %q, want 127.0.0.2", out)
	}
}
