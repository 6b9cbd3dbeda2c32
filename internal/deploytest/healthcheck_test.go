package deploytest

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
)

// healthcheckPending is true while the command lacks the `healthcheck`
// subcommand that the image's HEALTHCHECK runs (the scratch image has no
// curl). TestHealthcheckSubcommand then only confirms it is still missing,
// and fails once it lands so this flag gets cleared and the real contract
// checked.
const healthcheckPending = false

// built is the sidecast binary, compiled once for the whole package run and
// removed by TestMain.
var built struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// buildSidecast compiles the command once and returns the binary.
func buildSidecast(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "deploytest-bin-")
		if built.err != nil {
			return
		}
		built.path, built.err = testkit.BuildSidecast(built.dir, false)
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range []string{built.dir, backendApp.dir} {
		if dir != "" {
			os.RemoveAll(dir)
		}
	}
	os.Exit(code)
}

// runHealthcheck runs `sidecast healthcheck` against SERVER_PORT=port and
// returns its exit code and output.
func runHealthcheck(t *testing.T, bin, port string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "healthcheck")
	cmd.Env = []string{"SERVER_PORT=" + port, "HEALTH_PATH=/health", "LOG_FORMAT=text"}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &exit) && ctx.Err() == nil:
		return exit.ExitCode(), out.String()
	}
	t.Fatalf("sidecast healthcheck did not finish: %v\n%s", err, out.String())
	return 0, ""
}

// TestHealthcheckSubcommand checks the contract of the Dockerfile's
// HEALTHCHECK: `sidecast healthcheck` GETs
// http://127.0.0.1:$SERVER_PORT$HEALTH_PATH and exits 0 on 200, 1 otherwise.
func TestHealthcheckSubcommand(t *testing.T) {
	bin := buildSidecast(t)
	if healthcheckPending {
		code, out := runHealthcheck(t, bin, "1")
		if code == 2 && strings.Contains(out, "healthcheck") {
			first, _, _ := strings.Cut(out, "\n")
			t.Logf("the image's HEALTHCHECK needs `sidecast healthcheck`, which the command lacks (exit %d: %s)",
				code, first)
			return
		}
		t.Fatalf("`sidecast healthcheck` exists now (exit %d: %s): set healthcheckPending to false", code, out)
	}
	var status atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	tests := []struct {
		name   string
		status int
		port   string
		want   int
	}{
		{"healthy", http.StatusOK, port, 0},
		{"unhealthy", http.StatusServiceUnavailable, port, 1},
		{"nothing listening", http.StatusOK, strconv.Itoa(testkit.FreePort(t)), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status.Store(int32(tt.status))
			if code, out := runHealthcheck(t, bin, tt.port); code != tt.want {
				t.Errorf("exit %d, want %d: %s", code, tt.want, out)
			}
		})
	}
}
