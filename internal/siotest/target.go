package siotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Target is where a scenario's clients connect.
type Target struct {
	Name    string // shown in test names: "direct", "sidecast"
	URL     string // clients and plain HTTP requests go here
	Backend string // the example server's own URL, for its /stats
	// CloseSessions, when set, closes every client session from the
	// target's side (sidecast dropping its sessions); the reconnection
	// scenario uses it, and drops the client's own transport otherwise.
	CloseSessions func(t testing.TB)
}

// Mode is a socket.io-client transports setting.
type Mode struct {
	Name       string
	Transports []string // nil: the client's default (polling, then upgrade)
}

// Modes are the three transport settings every scenario runs under.
var Modes = []Mode{
	{"websocket", []string{"websocket"}},
	{"polling", []string{"polling"}},
	{"default", nil},
}

// Env is what a scenario runs with: a target, a mode, one peer process and
// a prefix that makes its user and room ids unique on a shared server.
type Env struct {
	Target
	Mode
	Peer   *Peer
	Prefix string
}

// User returns the scenario-unique user id for short name u.
func (e *Env) User(u string) string { return e.Prefix + u }

// Room returns the scenario-unique twin pair id for short name r.
func (e *Env) Room(r string) string { return e.Prefix + r }

// Conn returns the connection settings for socket name as user u ("" for no auth).
func (e *Env) Conn(name, u string) Conn {
	c := Conn{Name: name, URL: e.URL, Transports: e.Transports}
	if u != "" {
		c.Auth = map[string]string{"userId": e.User(u)}
	}
	return c
}

// Connect opens socket name as user u on the root namespace and waits for it.
func (e *Env) Connect(t testing.TB, name, u string) Msg {
	t.Helper()
	return e.Peer.MustConnect(t, e.Conn(name, u))
}

// Sync makes a round trip on socket name; events the server sent to it
// before answering have arrived once Sync returns, so an absence checked
// after it is meaningful.
func (e *Env) Sync(t testing.TB, name string) {
	t.Helper()
	e.Peer.EmitWithAck(t, name, "online_users")
}

// Absent fails if socket name holds an unconsumed event called event.
func (e *Env) Absent(t testing.TB, name, event string) {
	t.Helper()
	e.Sync(t, name)
	if n := e.Peer.Count(name, "event", event); n != 0 {
		t.Fatalf("%s received %d unexpected %q events", name, n, event)
	}
}

// PostJSON posts body to the target and decodes the JSON answer into out.
func (e *Env) PostJSON(t testing.TB, path string, body, out any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	c := &http.Client{Timeout: DefaultWait}
	resp, err := c.Post(e.URL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("POST %s: answer %q: %v", path, data, err)
		}
	}
	return resp.StatusCode
}

// ServerDisconnect is one entry of the example server's /stats disconnects.
type ServerDisconnect struct {
	UserID string `json:"userId"`
	Nsp    string `json:"nsp"`
	Reason string `json:"reason"`
}

// WaitServerDisconnect polls the backend's /stats until it reports a
// disconnect of user u in namespace nsp, and returns its reason.
func (e *Env) WaitServerDisconnect(t testing.TB, u, nsp string) string {
	t.Helper()
	deadline := time.Now().Add(DefaultWait)
	var last string
	for time.Now().Before(deadline) {
		var st struct {
			Disconnects []ServerDisconnect `json:"disconnects"`
		}
		last = getJSON(t, e.Backend+"/stats", &st)
		for _, d := range st.Disconnects {
			if d.UserID == e.User(u) && d.Nsp == nsp {
				return d.Reason
			}
		}
		time.Sleep(20 * time.Millisecond) // polling the server's state, not standing in for it
	}
	t.Fatalf("backend reported no disconnect of %s in %s within %v; last /stats %s", e.User(u), nsp, DefaultWait, last)
	return ""
}

func getJSON(t testing.TB, url string, out any) string {
	t.Helper()
	c := &http.Client{Timeout: DefaultWait}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("GET %s: %q: %v", url, data, err)
	}
	return string(data)
}

// RunAll runs every scenario under every mode against target, each with
// its own peer process and unique ids.
func RunAll(t *testing.T, target Target) {
	for _, m := range Modes {
		t.Run(m.Name, func(t *testing.T) {
			for i, sc := range Scenarios {
				t.Run(sc.Name, func(t *testing.T) {
					e := &Env{Target: target, Mode: m, Peer: StartPeer(t),
						Prefix: fmt.Sprintf("%s-%s-%d-", strings.ReplaceAll(target.Name, " ", ""), m.Name, i)}
					sc.Run(t, e)
				})
			}
		})
	}
}
