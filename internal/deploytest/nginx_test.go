package deploytest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/syncbuf"
	"github.com/sidecast/sidecast/internal/testkit"
)

// nginxBinary finds the real nginx; its absence fails the test.
func nginxBinary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		t.Fatal("nginx not found in PATH: install it (apt-get install -y nginx; .ci/run does) — " +
			"the nginx configuration is checked with the real nginx")
	}
	return bin
}

// localNginxConf writes a copy of the example configuration into dir that
// runs on this machine: the compose service names in the upstream become
// the given loopback addresses, in order; nginx listens on listen with one
// worker; its temporary files stay in dir. It returns the copy's path.
func localNginxConf(t *testing.T, dir string, upstream []string, listen string) string {
	t.Helper()
	src := readRepoFile(t, "examples/nginx/nginx.conf")
	facts := loadNginxFacts(t)
	var servers []string
	for _, s := range facts.upstreams {
		servers = append(servers, s...)
	}
	if len(servers) != len(upstream) {
		t.Fatalf("nginx.conf has %d upstream servers %v, the test has %d addresses", len(servers), servers, len(upstream))
	}
	for i, s := range servers {
		src = mustReplace(t, src, "server "+s+";", "server "+upstream[i]+";")
	}
	src = mustReplace(t, src, "listen "+facts.listen[0]+" ", "listen "+listen+" ")
	// One worker: each worker keeps its own round-robin position, so with
	// many cores a few requests could all start at the first node.
	src = mustReplace(t, src, "worker_processes auto;", "worker_processes 1;")
	var temps strings.Builder
	for _, kind := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		fmt.Fprintf(&temps, "\n    %s_temp_path %s;", kind, filepath.Join(dir, kind))
	}
	src = mustReplace(t, src, "http {", "http {"+temps.String())
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(src), 0o644); err != nil {
		t.Fatalf("write %s: %v", conf, err)
	}
	return conf
}

// mustReplace replaces the single occurrence of old in s.
func mustReplace(t *testing.T, s, old, new string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("nginx.conf: %q occurs %d times, want once", old, n)
	}
	return strings.Replace(s, old, new, 1)
}

// nginxArgs are the flags that keep nginx's own files in dir.
func nginxArgs(dir, conf string, extra ...string) []string {
	args := []string{"-p", dir + "/", "-c", conf, "-e", "stderr", "-g", "pid " + filepath.Join(dir, "nginx.pid") + ";" + strings.Join(extra, "")}
	return args
}

func TestNginxConfigSyntax(t *testing.T) {
	bin := nginxBinary(t)
	tests := []struct {
		name  string
		edit  func(string) string
		valid bool
	}{
		{"example", func(s string) string { return s }, true},
		// Shows that `nginx -t` really reads the file.
		{"broken copy", func(s string) string { return strings.Replace(s, "proxy_buffering off;", "proxy_buffering off", 1) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			conf := localNginxConf(t, dir, []string{"127.0.0.1:1", "127.0.0.1:2"}, "127.0.0.1:1")
			b, err := os.ReadFile(conf)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(conf, []byte(tt.edit(string(b))), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(bin, append([]string{"-t"}, nginxArgs(dir, conf)...)...).CombinedOutput()
			t.Logf("nginx -t: %s", bytes.TrimSpace(out))
			if tt.valid && (err != nil || !bytes.Contains(out, []byte("test is successful"))) {
				t.Fatalf("nginx -t rejects the configuration: %v", err)
			}
			if !tt.valid && err == nil {
				t.Fatal("nginx -t accepted a broken configuration")
			}
		})
	}
}

// startNginx runs nginx with the example configuration in front of the
// upstream addresses and returns the address it listens on. t.Cleanup stops
// it and waits for it.
func startNginx(t *testing.T, upstream []string) string {
	t.Helper()
	bin := nginxBinary(t)
	dir := t.TempDir()
	// Workers drop root privileges; they must reach their temp folders.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(testkit.FreePort(t))
	conf := localNginxConf(t, dir, upstream, addr)
	out := &syncbuf.Buffer{}
	cmd := exec.Command(bin, nginxArgs(dir, conf, "daemon off;")...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nginx: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { stopProcess(t, cmd, exited, out) })
	waitListening(t, addr, exited, out)
	return addr
}

// stopProcess asks the process to quit, then kills it if it lingers.
func stopProcess(t *testing.T, cmd *exec.Cmd, exited chan error, out *syncbuf.Buffer) {
	t.Helper()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		t.Errorf("nginx ignored SIGTERM for 10s; killed")
	}
	if t.Failed() {
		t.Logf("nginx output:\n%s", out)
	}
}

// waitListening polls until addr accepts connections.
func waitListening(t *testing.T, addr string, exited chan error, out *syncbuf.Buffer) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("nginx exited before listening: %v\n%s", err, out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx not listening on %s after 15s: %v\n%s", addr, err, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// getBody GETs url on a fresh client connection and returns the body.
func getBody(ctx context.Context, client *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = errors.New(resp.Status)
	}
	return b.String(), err
}
