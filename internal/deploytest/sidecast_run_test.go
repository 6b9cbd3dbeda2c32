package deploytest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/syncbuf"
	"github.com/sidecast/sidecast/internal/testkit"
)

// sidecastProc is a running sidecast binary.
type sidecastProc struct {
	cmd    *exec.Cmd
	out    *syncbuf.Buffer
	exited chan error
}

// startSidecastEnv runs the binary with exactly env. t.Cleanup kills it if
// the test did not stop it.
func startSidecastEnv(t *testing.T, bin string, env map[string]string) *sidecastProc {
	t.Helper()
	p := &sidecastProc{out: &syncbuf.Buffer{}, exited: make(chan error, 1)}
	p.cmd = exec.Command(bin)
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start sidecast: %v", err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		err := <-p.exited
		p.exited <- err
	})
	return p
}

// health polls HEALTH_PATH until ready(body) holds, the process exits, or
// the deadline passes.
func (p *sidecastProc) health(t *testing.T, url string, ready func(map[string]any) bool) map[string]any {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	var last map[string]any
	for time.Now().Before(deadline) {
		select {
		case err := <-p.exited:
			p.exited <- err
			t.Fatalf("sidecast exited (%v) before it was healthy:\n%s", err, p.out)
		default:
		}
		if resp, err := client.Get(url); err == nil {
			last = nil
			_ = json.NewDecoder(resp.Body).Decode(&last)
			resp.Body.Close()
			if last != nil && ready(last) {
				return last
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("sidecast not ready at %s within 30s; last answer %v\n%s", url, last, p.out)
	return nil
}

// stop sends SIGTERM and wants a clean exit.
func (p *sidecastProc) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		p.exited <- err
		if err != nil {
			t.Errorf("sidecast exit after SIGTERM: %v\n%s", err, p.out)
		}
	case <-time.After(40 * time.Second):
		t.Errorf("sidecast still running 40s after SIGTERM\n%s", p.out)
	}
}

// localise points an artefact's environment at this machine: Redis at
// redisAddr, the backend and both ports at free loopback ports. Everything
// else is used as the artefact sets it.
func localise(t *testing.T, env map[string]string, redisAddr string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, v := range env {
		out[k] = v
	}
	host, port, _ := net.SplitHostPort(redisAddr)
	if _, ok := out["REDIS_URL"]; ok {
		out["REDIS_URL"] = regexp.MustCompile(`@?[^/@]+:\d+`).ReplaceAllString(out["REDIS_URL"], "@"+redisAddr)
		out["REDIS_URL"] = strings.Replace(out["REDIS_URL"], "//@", "//", 1)
	} else {
		out["REDIS_HOST"], out["REDIS_PORT"] = host, port
	}
	out["BACKEND_URL"] = "http://" + "127.0.0.1:" + strconv.Itoa(testkit.FreePort(t))
	out["SERVER_PORT"], out["METRICS_PORT"] = strconv.Itoa(testkit.FreePort(t)), strconv.Itoa(testkit.FreePort(t))
	return out
}

// podEnv resolves the sidecast container's environment as the kubelet
// would: fieldRefs from fields, secretKeyRefs from secrets (falling back to
// the chart's own rendered Secret), $(VAR) from earlier entries.
func podEnv(t *testing.T, r rendered, p pod, fields map[string]string, secrets map[string]map[string]string) map[string]string {
	t.Helper()
	for _, s := range r.byKind["Secret"] {
		decoded := map[string]string{}
		for k, v := range s.Data {
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				t.Fatalf("Secret %s key %s: %v", s.Metadata.Name, k, err)
			}
			decoded[k] = string(b)
		}
		secrets[s.Metadata.Name] = decoded
	}
	env := map[string]string{}
	ref := regexp.MustCompile(`\$\(([A-Z0-9_]+)\)`)
	for _, e := range p.sidecast.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = ref.ReplaceAllStringFunc(e.Value, func(m string) string { return env[m[2:len(m)-1]] })
		case e.ValueFrom.FieldRef != nil:
			env[e.Name] = fields[e.ValueFrom.FieldRef.FieldPath]
		case e.ValueFrom.SecretKeyRef != nil:
			v, ok := secrets[e.ValueFrom.SecretKeyRef.Name][e.ValueFrom.SecretKeyRef.Key]
			if !ok {
				t.Fatalf("%s reads Secret %s key %s, which the test does not provide", e.Name, e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key)
			}
			env[e.Name] = v
		}
	}
	return env
}

var podFields = map[string]string{"metadata.name": "demo-sidecast-7d9f8-x2x4q", "status.podIP": "127.0.0.1"}

// TestArtefactEnvRunsSidecast starts the real sidecast binary with the
// environment the compose file and the chart give it (pointed at loopback)
// and a real Redis configured like theirs: it must accept every value,
// authenticate (password, mutual TLS), report healthy with the expected
// server id, never print a secret, and stop cleanly on SIGTERM.
func TestArtefactEnvRunsSidecast(t *testing.T) {
	bin := buildSidecast(t)
	tests := []struct {
		name  string
		setup func(t *testing.T) (env map[string]string, password, serverID string)
	}{
		{"compose sidecast1", composeRun},
		{"chart with a chart-managed password", chartPasswordRun},
		{"chart with mutual TLS and an existing secret", chartTLSRun},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, password, serverID := tt.setup(t)
			p := startSidecastEnv(t, bin, env)
			url := fmt.Sprintf("http://127.0.0.1:%s%s", env["SERVER_PORT"], env["HEALTH_PATH"])
			h := p.health(t, url, func(h map[string]any) bool { return h["redis"] == true })
			if h["serverId"] != serverID {
				t.Errorf("serverId %v, want %s", h["serverId"], serverID)
			}
			p.stop(t)
			if strings.Contains(p.out.String(), password) {
				t.Errorf("the Redis password appears in sidecast's output:\n%s", p.out)
			}
			for _, k := range []string{"ADMIN_TOKEN", "CLUSTER_SECRET"} {
				if v := env[k]; v != "" && strings.Contains(p.out.String(), v) {
					t.Errorf("%s's value appears in sidecast's output:\n%s", k, p.out)
				}
			}
		})
	}
}

func composeRun(t *testing.T) (map[string]string, string, string) {
	cf := loadCompose(t, noEnv)
	password := requirepass(cf.Services["redis"].Command)
	srv := redistest.Start(t, redistest.Config{Password: password})
	return localise(t, cf.Services["sidecast1"].Environment, srv.Addr()), password, "sidecast1"
}

func chartPasswordRun(t *testing.T) (map[string]string, string, string) {
	const password = "chart-pw-3c81f0"
	r := renderChart(t, "redis.password="+password, "admin.token=tok-9a7e-admin-chart", "cluster.secret=cs-77d1-cluster-chart", "sidecast.drainRate=25")
	env := podEnv(t, r, renderedPod(t, r), podFields, map[string]map[string]string{})
	srv := redistest.Start(t, redistest.Config{Password: password})
	return localise(t, env, srv.Addr()), password, podFields["metadata.name"]
}

// chartTLSRun mounts test certificates where the chart mounts its TLS
// Secret, under the Secret's key names.
func chartTLSRun(t *testing.T) (map[string]string, string, string) {
	const password = "tls-pw-51b9d2"
	certs := redistest.GenerateCerts(t)
	r := renderChart(t, "redis.tls.enabled=true", "redis.tls.existingSecret=redis-tls",
		"redis.existingSecret=redis-secret", "admin.existingSecret=sidecast-admin", "cluster.existingSecret=sidecast-cluster")
	p := renderedPod(t, r)
	secrets := map[string]map[string]string{
		"redis-secret":     {"password": password},
		"sidecast-admin":   {"token": "admin-5f2c-from-secret"},
		"sidecast-cluster": {"secret": "cluster-9b3e-from-secret"},
	}
	env := podEnv(t, r, p, podFields, secrets)
	mount := tlsMountDir(t, p)
	dir := t.TempDir()
	for key, src := range map[string]string{"ca.crt": certs.CAFile, "tls.crt": certs.ClientCert, "tls.key": certs.ClientKey} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, key), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"REDIS_TLS_CA", "REDIS_TLS_CERT", "REDIS_TLS_KEY"} {
		rel, ok := strings.CutPrefix(env[k], mount+"/")
		if !ok {
			t.Fatalf("%s=%s is not inside the TLS mount %s", k, env[k], mount)
		}
		env[k] = filepath.Join(dir, rel)
	}
	srv := redistest.Start(t, redistest.Config{Password: password, TLS: certs, ClientAuth: true})
	return localise(t, env, srv.Addr()), password, podFields["metadata.name"]
}

// tlsMountDir is where the sidecast container mounts the redis-tls Secret.
func tlsMountDir(t *testing.T, p pod) string {
	t.Helper()
	for _, v := range p.dep.Template.Spec.Volumes {
		if v.Secret == nil || v.Secret.SecretName != "redis-tls" {
			continue
		}
		for _, m := range p.sidecast.VolumeMounts {
			if m.Name == v.Name {
				return m.MountPath
			}
		}
	}
	t.Fatal("the redis-tls Secret is not mounted in the sidecast container")
	return ""
}

// TestArtefactEnvBadValueStopsSidecast shows the run above would notice a
// value sidecast refuses: it exits with code 2 naming the variable.
func TestArtefactEnvBadValueStopsSidecast(t *testing.T) {
	bin := buildSidecast(t)
	cf := loadCompose(t, noEnv)
	env := localise(t, cf.Services["sidecast1"].Environment, "127.0.0.1:1")
	env["PROTOCOL"] = "mqtt"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), "PROTOCOL") {
		t.Errorf("sidecast with PROTOCOL=mqtt: %v, want exit 2 naming PROTOCOL:\n%s", err, out)
	}
}
