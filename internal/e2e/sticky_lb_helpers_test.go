package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/siotest"
	"github.com/sidecast/sidecast/internal/testkit"
)

// stickyNode is one sidecast binary in front of its own example chat
// server.
type stickyNode struct {
	id   string
	addr string // 127.0.0.1:port, what the load balancer and peers dial
	proc *proc
}

// stickyClusterSeq keeps each cluster's Redis names apart.
var stickyClusterSeq int

// startStickyCluster runs n sidecast binaries with PROTOCOL=socketio over
// one real redis-server, each with its own examples/socketio-chat backend
// and mirror sessions configured as in docker-compose.yml, and waits until
// every node sees every peer.
func startStickyCluster(t *testing.T, n int, extra map[string]string) []*stickyNode {
	t.Helper()
	rs := redistest.Start(t, redistest.Config{})
	stickyClusterSeq++
	nodes := make([]*stickyNode, n)
	for k := range nodes {
		chat := siotest.StartServer(t)
		port := testkit.FreePort(t)
		id := fmt.Sprintf("sticky%d-node%d", stickyClusterSeq, k)
		nd := &stickyNode{id: id, addr: "127.0.0.1:" + strconv.Itoa(port)}
		env := map[string]string{
			"SERVER_ID": id, "SERVER_PORT": strconv.Itoa(port), "BACKEND_URL": chat.URL,
			"PROTOCOL": "socketio", "ADVERTISE_URL": "http://" + nd.addr,
			"REDIS_URL": rs.URL(), "REDIS_ADAPTER_KEY": fmt.Sprintf("stickytest%d", stickyClusterSeq),
			"MIRROR_EVENTS": "join_twin_room,leave_twin_room", "MIRROR_EVENT_REPLY": "room_joined",
			"LOCAL_EVENTS":       "welcome,room_joined,twin_online,twin_offline",
			"HEARTBEAT_INTERVAL": "300ms", "HEARTBEAT_TTL": "3s", "METRICS_PORT": "0",
			// A node forwarding a long-poll GET to another node waits for
			// the owner's answer while it shuts down: up to one Engine.IO
			// ping interval (25 s in the example server). The drain timeout
			// must cover it, as the default (30s) does.
			"LOG_FORMAT": "text", "LOG_LEVEL": "info", "DRAIN_TIMEOUT": "30s",
		}
		for k, v := range extra {
			env[k] = v
		}
		nd.proc = startProc(t, env)
		nodes[k] = nd
	}
	for _, nd := range nodes {
		testkit.WaitUntil(t, procWait, nd.id+" to see its peers", func() bool {
			return strings.Count(nd.proc.Stderr.String(), `msg="peer up"`) >= n-1
		})
	}
	return nodes
}

func nodeAddrs(nodes []*stickyNode) []string {
	out := make([]string, len(nodes))
	for i, nd := range nodes {
		out[i] = nd.addr
	}
	return out
}

// loadSummary is what internal/siotest/peer/load.js prints.
type loadSummary struct {
	Clients               int      `json:"clients"`
	Connected             int      `json:"connected"`
	ConnectErrors         int      `json:"connectErrors"`
	ErrorSamples          []string `json:"errorSamples"`
	SessionUnknown        int      `json:"sessionUnknown"`
	TransportErrors       int      `json:"transportErrors"`
	UpgradeErrors         int      `json:"upgradeErrors"`
	Upgrades              int      `json:"upgrades"`
	Joined                int      `json:"joined"`
	Acks                  int      `json:"acks"`
	AckErrors             int      `json:"ackErrors"`
	BroadcastExpected     int      `json:"broadcastExpected"`
	BroadcastReceived     int      `json:"broadcastReceived"`
	BroadcastDuplicates   int      `json:"broadcastDuplicates"`
	UnexpectedDisconnects int      `json:"unexpectedDisconnects"`
	TimedOut              bool     `json:"timedOut"`
	ElapsedMs             int      `json:"elapsedMs"`
	SendMs                int      `json:"sendMs"`
}

// loadRun configures one run of load.js.
type loadRun struct {
	URL        string   `json:"url"`
	Clients    int      `json:"clients"`
	Emits      int      `json:"emits"`
	RoomSize   int      `json:"roomSize"`
	Transports []string `json:"transports,omitempty"`
	Prefix     string   `json:"prefix"`
	TimeoutMs  int      `json:"timeoutMs"`
	DeadlineMs int      `json:"deadlineMs"`
}

// runLoad runs the load peer to completion (bounded by run.DeadlineMs plus
// a margin) and returns its summary.
func runLoad(t *testing.T, run loadRun) loadSummary {
	t.Helper()
	dir, err := testkit.NodeDir(siotest.PeerDir, "socket.io-client")
	if err != nil {
		t.Fatal(err)
	}
	arg, _ := json.Marshal(run)
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(run.DeadlineMs)*time.Millisecond+60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "load.js", string(arg))
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("load.js: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	var s loadSummary
	line := strings.TrimSpace(stdout.String())
	if i := strings.LastIndexByte(line, '\n'); i >= 0 {
		line = line[i+1:]
	}
	if err := json.Unmarshal([]byte(line), &s); err != nil {
		t.Fatalf("load.js summary %q: %v\nstderr:\n%s", line, err, stderr.String())
	}
	return s
}

// startLB runs bin with args and stops it (SIGTERM, then SIGKILL) when the
// test ends; it returns once addr accepts connections.
func startLB(t *testing.T, name, bin, addr string, args ...string) {
	t.Helper()
	path, err := exec.LookPath(bin)
	if err != nil {
		t.Fatalf("%s is not installed (apt-get install %s): %v", bin, bin, err)
	}
	lb, err := testkit.StartProcess(testkit.ProcessConfig{Path: path, Args: args, Merged: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		lb.Stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, lb.Stdout.String())
		}
	})
	testkit.WaitUntil(t, procWait, name+" to listen on "+addr, func() bool {
		select {
		case <-lb.Exited():
			t.Fatalf("%s exited before listening:\n%s", name, lb.Stdout.String())
		default:
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
		}
		return err == nil
	})
}

// replaceOnce replaces the single occurrence of old in s, or fails: the
// example configuration changed under the test.
func replaceOnce(t *testing.T, file, s, old, new string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("%s: %q occurs %d times, want once", file, old, n)
	}
	return strings.Replace(s, old, new, 1)
}

// startNginxLB runs the real nginx with examples/nginx/nginx.conf, its
// upstream servers replaced by nodes and listening on a free loopback
// port; it returns the port's address.
func startNginxLB(t *testing.T, nodes []string) string {
	t.Helper()
	const file = "examples/nginx/nginx.conf"
	raw, err := os.ReadFile(filepath.Join(repoRoot, file))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil { // workers drop root
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(testkit.FreePort(t))
	src := string(raw)
	var servers strings.Builder
	for _, n := range nodes {
		fmt.Fprintf(&servers, "        server %s;\n", n)
	}
	src = replaceOnce(t, file, src, "        server sidecast1:3000;\n        server sidecast2:3000;\n", servers.String())
	src = replaceOnce(t, file, src, "listen 80 default_server;", "listen "+addr+" default_server;")
	src = replaceOnce(t, file, src, "worker_processes auto;", "worker_processes 1;")
	src = replaceOnce(t, file, src, "access_log /dev/stdout;", "access_log off;")
	var temps strings.Builder
	for _, kind := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		fmt.Fprintf(&temps, "\n    %s_temp_path %s;", kind, filepath.Join(dir, kind))
	}
	src = replaceOnce(t, file, src, "http {", "http {"+temps.String())
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	startLB(t, "nginx", "nginx", addr, "-p", dir+"/", "-c", conf, "-e", "stderr",
		"-g", "pid "+filepath.Join(dir, "nginx.pid")+"; daemon off;")
	return addr
}

// startHAProxyLB runs the real haproxy with examples/haproxy/haproxy.cfg,
// its servers replaced by nodes, listening on a free loopback port.
func startHAProxyLB(t *testing.T, nodes []string) string {
	t.Helper()
	const file = "examples/haproxy/haproxy.cfg"
	raw, err := os.ReadFile(filepath.Join(repoRoot, file))
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(testkit.FreePort(t))
	src := string(raw)
	var servers strings.Builder
	for i, n := range nodes {
		fmt.Fprintf(&servers, "    server sidecast%d %s check inter 2s\n", i+1, n)
	}
	src = replaceOnce(t, file, src, "    server sidecast1 sidecast1:3000 check inter 2s\n    server sidecast2 sidecast2:3000 check inter 2s\n", servers.String())
	src = replaceOnce(t, file, src, "bind *:80", "bind "+addr)
	conf := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(conf, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	startLB(t, "haproxy", "haproxy", addr, "-db", "-f", conf)
	return addr
}
