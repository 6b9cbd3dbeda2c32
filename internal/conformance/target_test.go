package conformance

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/testkit"
)

// target is one server the exchanges are played against: the reference
// itself or sidecast in front of it.
type target struct {
	name string
	base string // http://127.0.0.1:PORT
	path string // the Engine.IO path, "/engine.io/" or "/socket.io/"
	// state reports the open sessions and the sessions whose long-polling
	// GET is held, as the server itself counts them.
	state func() (sessions, waiting int, err error)
}

// referenceTarget is the peer itself; its /_state hook counts.
func referenceTarget(p *Peer, path string) *target {
	return &target{name: "reference", base: p.URL, path: path, state: func() (int, int, error) {
		var st struct{ Clients, Waiting int }
		if err := getJSON(p.URL+"/_state", "", &st); err != nil {
			return 0, 0, err
		}
		return st.Clients, st.Waiting, nil
	}}
}

// sidecastBin is the binary TestMain builds; the exchanges run it as users do.
var sidecastBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sidecast-conformance-")
	if err == nil {
		sidecastBin, err = testkit.BuildSidecast(dir, false)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "building sidecast:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// startSidecast runs the binary single-node in front of backend with
// protocol on path; its admin stats say which sessions it holds.
func startSidecast(t *testing.T, backend *Peer, protocol, path string) *target {
	t.Helper()
	port, metrics := testkit.FreePort(t), testkit.FreePort(t)
	const token = "conformance-admin-token"
	proc, err := testkit.StartProcess(testkit.ProcessConfig{
		Path: sidecastBin, Merged: true, MaxOutput: 1 << 20,
		Env: []string{"BACKEND_URL=" + backend.URL, "PROTOCOL=" + protocol, "SOCKETIO_PATH=" + path,
			"SERVER_PORT=" + strconv.Itoa(port), "METRICS_PORT=" + strconv.Itoa(metrics), "ADMIN_TOKEN=" + token,
			"REDIS_ENABLED=false", "LOG_LEVEL=warn"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		proc.Stop()
		if t.Failed() {
			t.Logf("sidecast output:\n%s", proc.Stdout.String())
		}
	})
	tg := &target{name: "sidecast", base: "http://127.0.0.1:" + strconv.Itoa(port), path: path}
	statsURL := "http://127.0.0.1:" + strconv.Itoa(metrics) + "/admin/stats"
	tg.state = func() (int, int, error) {
		var st struct {
			Connections int
			Transports  struct{ PollsWaiting int }
		}
		if err := getJSON(statsURL, token, &st); err != nil {
			return 0, 0, err
		}
		return st.Connections, st.Transports.PollsWaiting, nil
	}
	testkit.WaitUntil(t, 20*time.Second, "sidecast serving its admin stats", func() bool {
		_, _, err := tg.state()
		return err == nil
	})
	return tg
}

var stateClient = &http.Client{Timeout: 5 * time.Second}

func getJSON(url, token string, v any) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := stateClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
