package deploytest

import (
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

const composePath = "examples/docker-compose.yml"

// loadCompose parses the example compose file with the given environment.
func loadCompose(t *testing.T, lookup func(string) (string, bool)) *composeFile {
	t.Helper()
	cf, err := parseCompose(readRepoFile(t, composePath), lookup)
	if err != nil {
		t.Fatalf("%s: %v", composePath, err)
	}
	return cf
}

// sidecastServices are the services built from the repository's
// Dockerfile, sorted by name.
func sidecastServices(t *testing.T, cf *composeFile) []string {
	t.Helper()
	var out []string
	for name, s := range cf.Services {
		if composeDockerfile(s) == "Dockerfile" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	if len(out) < 2 {
		t.Fatalf("%d services built from the repository's Dockerfile, want one per backend (2)", len(out))
	}
	return out
}

// composeDockerfile is the Dockerfile a service builds, relative to the
// module root, or "" for an image-only service.
func composeDockerfile(s composeService) string {
	if s.Build.Context == "" {
		return ""
	}
	file := s.Build.Dockerfile
	if file == "" {
		file = "Dockerfile"
	}
	return path.Clean(path.Join(path.Dir(composePath), s.Build.Context, file))
}

func TestComposeTopology(t *testing.T) {
	cf := loadCompose(t, noEnv)
	for _, name := range []string{"redis", "backend1", "backend2", "sidecast1", "sidecast2", "nginx"} {
		if _, ok := cf.Services[name]; !ok {
			t.Errorf("service %s missing: the reference guide's topology has redis, two backends each behind a sidecast, and nginx", name)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	tests := []struct {
		name  string
		check func(t *testing.T, cf *composeFile)
	}{
		{"redis requires a password", checkRedisPassword},
		{"sidecast settings", checkSidecastSettings},
		{"each backend behind its own sidecast", checkBackendPairs},
		{"backends stay single-node and private", checkBackendsUnmodified},
		{"build files exist", checkBuildFiles},
		{"healthy dependencies have health checks", checkHealthDependencies},
		{"stop grace covers the drain", checkStopGrace},
		{"nginx round-robin over every sidecast", checkNginxUpstreams},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, cf) })
	}
}

func checkRedisPassword(t *testing.T, cf *composeFile) {
	pass := requirepass(cf.Services["redis"].Command)
	if pass == "" {
		t.Fatalf("redis command %q has no --requirepass", cf.Services["redis"].Command)
	}
	for _, name := range sidecastServices(t, cf) {
		env := cf.Services[name].Environment
		if env["REDIS_PASSWORD"] != pass {
			t.Errorf("%s: REDIS_PASSWORD %q differs from redis --requirepass %q", name, env["REDIS_PASSWORD"], pass)
		}
		if host := env["REDIS_HOST"]; cf.Services[host].Image == "" || !strings.HasPrefix(cf.Services[host].Image, "redis") {
			t.Errorf("%s: REDIS_HOST %q is not the redis service", name, host)
		}
	}
}

// TestComposePasswordFromEnvironment shows one variable sets the password
// of Redis and of every sidecast, so they cannot drift apart.
func TestComposePasswordFromEnvironment(t *testing.T) {
	const secret = "from-the-environment"
	cf := loadCompose(t, func(k string) (string, bool) {
		if k == "REDIS_PASSWORD" {
			return secret, true
		}
		return "", false
	})
	if got := requirepass(cf.Services["redis"].Command); got != secret {
		t.Errorf("redis --requirepass %q, want %q", got, secret)
	}
	for _, name := range sidecastServices(t, cf) {
		if got := cf.Services[name].Environment["REDIS_PASSWORD"]; got != secret {
			t.Errorf("%s: REDIS_PASSWORD %q, want %q", name, got, secret)
		}
	}
}

func checkSidecastSettings(t *testing.T, cf *composeFile) {
	ids := map[string]string{}
	secrets := map[string]bool{}
	for _, name := range sidecastServices(t, cf) {
		secrets[cf.Services[name].Environment["CLUSTER_SECRET"]] = true
		env := cf.Services[name].Environment
		checkEnvNames(t, composePath+" service "+name, env.names())
		want := map[string]string{
			"PROTOCOL":      "socketio",
			"MIRROR_EVENTS": "join_twin_room,leave_twin_room",
			"ADVERTISE_URL": "http://" + name + ":" + env["SERVER_PORT"],
		}
		for k, v := range want {
			if env[k] != v {
				t.Errorf("%s: %s=%q, want %q", name, k, env[k], v)
			}
		}
		id := env["SERVER_ID"]
		if id == "" || ids[id] != "" {
			t.Errorf("%s: SERVER_ID %q must be set and unique (also used by %q)", name, id, ids[id])
		}
		ids[id] = name
	}
	if len(secrets) != 1 || secrets[""] {
		t.Errorf("CLUSTER_SECRET values %v: every node needs the same, non-empty one to accept forwards", secrets)
	}
}

// backendOf resolves a sidecast's BACKEND_URL to the compose service and
// port it names.
func backendOf(t *testing.T, cf *composeFile, sidecast string) (service, port string) {
	t.Helper()
	raw := cf.Services[sidecast].Environment["BACKEND_URL"]
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" || u.Port() == "" {
		t.Fatalf("%s: BACKEND_URL %q is not http://service:port", sidecast, raw)
	}
	if _, ok := cf.Services[u.Hostname()]; !ok {
		t.Fatalf("%s: BACKEND_URL host %q is not a compose service", sidecast, u.Hostname())
	}
	return u.Hostname(), u.Port()
}

func checkBackendPairs(t *testing.T, cf *composeFile) {
	seen := map[string]string{}
	for _, name := range sidecastServices(t, cf) {
		backend, port := backendOf(t, cf, name)
		if prev := seen[backend]; prev != "" {
			t.Errorf("%s and %s share backend %s: each backend gets its own sidecast", prev, name, backend)
		}
		seen[backend] = name
		b := cf.Services[backend]
		if composeDockerfile(b) != "examples/socketio-chat/Dockerfile" {
			t.Errorf("%s: backend %s is not built from examples/socketio-chat", name, backend)
		}
		if b.Environment["PORT"] != port {
			t.Errorf("%s: BACKEND_URL port %s, but %s listens on PORT=%q", name, port, backend, b.Environment["PORT"])
		}
		if cond, ok := cf.Services[name].DependsOn[backend]; !ok || cond != "service_healthy" {
			t.Errorf("%s: depends_on %s is %q, want service_healthy", name, backend, cond)
		}
	}
}

func checkBackendsUnmodified(t *testing.T, cf *composeFile) {
	for name, s := range cf.Services {
		if composeDockerfile(s) != "examples/socketio-chat/Dockerfile" {
			continue
		}
		for k := range s.Environment {
			if strings.HasPrefix(k, "REDIS_") {
				t.Errorf("%s sets %s: the backend must stay an unmodified single-node server", name, k)
			}
		}
		if len(s.Ports) != 0 {
			t.Errorf("%s publishes %v: clients must reach the backend only through its sidecast", name, s.Ports)
		}
		if s.Environment["HOST"] != "0.0.0.0" {
			t.Errorf("%s: HOST=%q; the example listens on loopback unless HOST=0.0.0.0", name, s.Environment["HOST"])
		}
	}
}

func checkBuildFiles(t *testing.T, cf *composeFile) {
	for name, s := range cf.Services {
		if f := composeDockerfile(s); f != "" {
			if _, err := os.Stat(filepath.Join(repoRoot(t), f)); err != nil {
				t.Errorf("%s builds %s: %v", name, f, err)
			}
		}
	}
}

// imageHasHealthcheck reports whether the service's container has a health
// check, from compose or from the Dockerfile it builds.
func imageHasHealthcheck(t *testing.T, s composeService) bool {
	t.Helper()
	if s.Healthcheck != nil {
		return true
	}
	f := composeDockerfile(s)
	if f == "" {
		return false
	}
	stages := dockerfile(t, f)
	return len(stages[len(stages)-1].find("HEALTHCHECK")) > 0
}

func checkHealthDependencies(t *testing.T, cf *composeFile) {
	for name, s := range cf.Services {
		for dep, cond := range s.DependsOn {
			target, ok := cf.Services[dep]
			if !ok {
				t.Errorf("%s depends on unknown service %s", name, dep)
				continue
			}
			if cond == "service_healthy" && !imageHasHealthcheck(t, target) {
				t.Errorf("%s waits for %s to be healthy, which has no health check", name, dep)
			}
		}
	}
	for _, name := range sidecastServices(t, cf) {
		if _, ok := cf.Services[name].DependsOn["redis"]; !ok {
			t.Errorf("%s does not depend on redis", name)
		}
	}
}

func checkStopGrace(t *testing.T, cf *composeFile) {
	for _, name := range sidecastServices(t, cf) {
		s := cf.Services[name]
		drain, err := time.ParseDuration(s.Environment["DRAIN_TIMEOUT"])
		if err != nil {
			t.Errorf("%s: DRAIN_TIMEOUT %q: %v", name, s.Environment["DRAIN_TIMEOUT"], err)
			continue
		}
		grace, err := time.ParseDuration(s.StopGracePeriod)
		if err != nil || grace <= drain {
			t.Errorf("%s: stop_grace_period %q must exceed DRAIN_TIMEOUT %s (compose's default is 10s)", name, s.StopGracePeriod, drain)
		}
	}
}

func checkNginxUpstreams(t *testing.T, cf *composeFile) {
	ng := cf.Services["nginx"]
	mounted := false
	for _, v := range ng.Volumes {
		src, dst, _ := strings.Cut(v, ":")
		if path.Clean(path.Join(path.Dir(composePath), src)) == "examples/nginx/nginx.conf" &&
			strings.HasPrefix(dst, "/etc/nginx/nginx.conf") {
			mounted = true
		}
	}
	if !mounted {
		t.Errorf("nginx volumes %v do not mount examples/nginx/nginx.conf as /etc/nginx/nginx.conf", ng.Volumes)
	}
	facts := loadNginxFacts(t)
	if len(facts.sticky) != 0 {
		t.Errorf("nginx.conf uses %v: sidecast makes stickiness unnecessary; keep plain round-robin", facts.sticky)
	}
	var want []string
	for _, name := range sidecastServices(t, cf) {
		want = append(want, name+":"+cf.Services[name].Environment["SERVER_PORT"])
		if cond := ng.DependsOn[name]; cond != "service_healthy" {
			t.Errorf("nginx depends_on %s is %q, want service_healthy", name, cond)
		}
	}
	if len(facts.proxyPass) != 1 {
		t.Fatalf("nginx.conf proxy_pass %v, want one", facts.proxyPass)
	}
	up := strings.TrimPrefix(facts.proxyPass[0], "http://")
	got := slices.Sorted(slices.Values(facts.upstreams[up]))
	if !slices.Equal(got, want) {
		t.Errorf("upstream %s servers %v, want every sidecast on SERVER_PORT %v", up, got, want)
	}
	for _, p := range ng.Ports {
		if !strings.HasSuffix(p, ":"+facts.listen[0]) {
			t.Errorf("nginx publishes %s, but listens on %s", p, facts.listen[0])
		}
	}
}
