package deploytest

import (
	"encoding/base64"
	"maps"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const chartDir = "charts/sidecast"

// renderChart lints the chart with the given --set values, then renders it.
func renderChart(t *testing.T, sets ...string) rendered {
	t.Helper()
	var args []string
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	if out, err := helm(t, append([]string{"lint", "--strict", chartDir}, args...)...); err != nil {
		t.Fatalf("helm lint: %v\n%s", err, out)
	}
	out, err := helm(t, append([]string{"template", "demo", chartDir, "--namespace", "chat"}, args...)...)
	if err != nil {
		t.Fatalf("helm template: %v", err)
	}
	r, err := decodeManifests(out)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// pod is the rendered Deployment's pod with its two containers.
type pod struct {
	dep      deploymentSpec
	app      container
	sidecast container
	env      map[string]envVar // the sidecast container's
}

func renderedPod(t *testing.T, r rendered) pod {
	t.Helper()
	var p pod
	r.one(t, "Deployment", &p.dep)
	cs := p.dep.Template.Spec.Containers
	if len(cs) != 2 || cs[0].Name != "app" || cs[1].Name != "sidecast" {
		t.Fatalf("pod containers %v, want app and sidecast", containerNames(cs))
	}
	p.app, p.sidecast = cs[0], cs[1]
	p.env = map[string]envVar{}
	for _, e := range p.sidecast.Env {
		if _, dup := p.env[e.Name]; dup {
			t.Errorf("sidecast env %s set twice", e.Name)
		}
		p.env[e.Name] = e
	}
	return p
}

func containerNames(cs []container) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

// port returns the named container port.
func (c container) port(t *testing.T, name string) int {
	t.Helper()
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	t.Fatalf("container %s has no port named %q", c.Name, name)
	return 0
}

// value is a plain env value; secret-backed variables fail the test.
func (p pod) value(t *testing.T, name string) string {
	t.Helper()
	e, ok := p.env[name]
	if !ok {
		t.Fatalf("sidecast env %s is not set", name)
	}
	if e.ValueFrom != nil {
		t.Fatalf("sidecast env %s comes from %+v, want a plain value", name, e.ValueFrom)
	}
	return e.Value
}

// checkSidecarPod holds for every rendering: the sidecar's environment,
// ports, probes, drain timing and security, the Service and the PDB.
func checkSidecarPod(t *testing.T, r rendered) pod {
	t.Helper()
	p := renderedPod(t, r)
	checkSidecarEnv(t, p)
	checkProbes(t, p)
	checkDrainTiming(t, p)
	checkSecurity(t, p)
	checkServiceAndPDB(t, r, p)
	return p
}

func checkSidecarEnv(t *testing.T, p pod) {
	t.Helper()
	var names []string
	for n := range p.env {
		if n != "POD_IP" { // feeds $(POD_IP) in ADVERTISE_URL only
			names = append(names, n)
		}
	}
	checkEnvNames(t, "chart sidecast container", names)
	if got, want := p.value(t, "SERVER_PORT"), strconv.Itoa(p.sidecast.port(t, "http")); got != want {
		t.Errorf("SERVER_PORT %s, container port http %s", got, want)
	}
	if got, want := p.value(t, "METRICS_PORT"), strconv.Itoa(p.sidecast.port(t, "metrics")); got != want {
		t.Errorf("METRICS_PORT %s, container port metrics %s", got, want)
	}
	// A Service named redis, server or metrics must not set REDIS_PORT,
	// SERVER_PORT or METRICS_PORT to tcp://ip:port through a service link.
	if l := p.dep.Template.Spec.EnableServiceLinks; l == nil || *l {
		t.Errorf("enableServiceLinks %v, want false", l)
	}
	// The kubelet's probes and Prometheus reach the pod's IP: the metrics
	// port must listen on every interface, not on sidecast's loopback default.
	if got := p.value(t, "METRICS_ADDR"); got != "0.0.0.0" && got != "::" {
		t.Errorf("METRICS_ADDR %q, want every interface (0.0.0.0 or ::)", got)
	}
	backend, err := url.Parse(p.value(t, "BACKEND_URL"))
	if err != nil || backend.Hostname() != "127.0.0.1" || backend.Port() != strconv.Itoa(p.app.port(t, "app")) {
		t.Errorf("BACKEND_URL %q, want http://127.0.0.1:<the app container's port>", p.value(t, "BACKEND_URL"))
	}
	if id := p.env["SERVER_ID"]; id.ValueFrom == nil || id.ValueFrom.FieldRef == nil || id.ValueFrom.FieldRef.FieldPath != "metadata.name" {
		t.Errorf("SERVER_ID %+v, want the pod name", id)
	}
	checkAdvertise(t, p)
	for _, secret := range []string{"REDIS_PASSWORD", "ADMIN_TOKEN", "CLUSTER_SECRET"} {
		if e, ok := p.env[secret]; ok && (e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
			t.Errorf("%s is a plain value; it must come from a Secret", secret)
		}
	}
}

// checkAdvertise wants ADVERTISE_URL to name the pod IP on SERVER_PORT,
// with POD_IP defined before it (Kubernetes expands $(VAR) only from
// earlier entries).
func checkAdvertise(t *testing.T, p pod) {
	t.Helper()
	want := "http://$(POD_IP):" + p.value(t, "SERVER_PORT")
	if got := p.value(t, "ADVERTISE_URL"); got != want {
		t.Errorf("ADVERTISE_URL %q, want %q", got, want)
	}
	iPod := slices.IndexFunc(p.sidecast.Env, func(e envVar) bool { return e.Name == "POD_IP" })
	iAdv := slices.IndexFunc(p.sidecast.Env, func(e envVar) bool { return e.Name == "ADVERTISE_URL" })
	if iPod < 0 || iPod > iAdv || p.sidecast.Env[iPod].ValueFrom == nil ||
		p.sidecast.Env[iPod].ValueFrom.FieldRef.FieldPath != "status.podIP" {
		t.Errorf("POD_IP must come from status.podIP before ADVERTISE_URL")
	}
}

func checkProbes(t *testing.T, p pod) {
	t.Helper()
	probes := []struct {
		name  string
		probe *handler
		path  string
	}{
		{"readiness", p.sidecast.ReadinessProbe, "/readyz"},
		{"liveness", p.sidecast.LivenessProbe, "/livez"},
	}
	for _, pr := range probes {
		if pr.probe == nil || pr.probe.HTTPGet == nil {
			t.Errorf("sidecast has no %s httpGet probe", pr.name)
			continue
		}
		if pr.probe.HTTPGet.Path != pr.path || pr.probe.HTTPGet.Port != "metrics" {
			t.Errorf("%s probe GET %s on %s, want %s on the metrics port", pr.name, pr.probe.HTTPGet.Path, pr.probe.HTTPGet.Port, pr.path)
		}
	}
}

// preStopSleep is the seconds a container's preStop hook sleeps.
func preStopSleep(t *testing.T, c container) int {
	t.Helper()
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil {
		t.Fatalf("container %s has no preStop sleep", c.Name)
	}
	return c.Lifecycle.PreStop.Sleep.Seconds
}

// checkDrainTiming: endpoints drop the pod (sidecast's preStop), sidecast
// drains within DRAIN_TIMEOUT while the app keeps serving (the app's
// preStop lasts both), and the grace period covers all of it.
func checkDrainTiming(t *testing.T, p pod) {
	t.Helper()
	drain, err := time.ParseDuration(p.value(t, "DRAIN_TIMEOUT"))
	if err != nil {
		t.Fatalf("DRAIN_TIMEOUT: %v", err)
	}
	side := preStopSleep(t, p.sidecast)
	if side <= 0 {
		t.Errorf("sidecast preStop sleeps %ds; endpoints need time to drop the pod", side)
	}
	app := preStopSleep(t, p.app)
	if time.Duration(app)*time.Second < time.Duration(side)*time.Second+drain {
		t.Errorf("app preStop %ds ends before sidecast's drain (%ds + %s)", app, side, drain)
	}
	grace := p.dep.Template.Spec.TerminationGracePeriodSeconds
	if grace <= app {
		t.Errorf("terminationGracePeriodSeconds %d does not exceed the app's preStop %ds", grace, app)
	}
}

func checkSecurity(t *testing.T, p pod) {
	t.Helper()
	sc := p.sidecast.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
		t.Errorf("sidecast securityContext %+v, want runAsNonRoot with a non-zero runAsUser", sc)
	}
}

func checkServiceAndPDB(t *testing.T, r rendered, p pod) {
	t.Helper()
	podLabels := p.dep.Template.Metadata.Labels
	var svc serviceSpec
	r.one(t, "Service", &svc)
	if svc.SessionAffinity != "" && svc.SessionAffinity != "None" {
		t.Errorf("Service sessionAffinity %s: round-robin needs none", svc.SessionAffinity)
	}
	if !selects(svc.Selector, podLabels) || !selects(p.dep.Selector.MatchLabels, podLabels) {
		t.Errorf("selectors %v / %v do not match pod labels %v", svc.Selector, p.dep.Selector.MatchLabels, podLabels)
	}
	if len(svc.Ports) == 0 || svc.Ports[0].TargetPort != "http" {
		t.Errorf("Service ports %+v: the first must target sidecast's http port", svc.Ports)
	}
	var pdb pdbSpec
	r.one(t, "PodDisruptionBudget", &pdb)
	if !selects(pdb.Selector.MatchLabels, podLabels) || (pdb.MaxUnavailable == "" && pdb.MinAvailable == "") {
		t.Errorf("PodDisruptionBudget %+v does not bound disruption of pods %v", pdb, podLabels)
	}
}

// selects reports whether a non-empty selector matches the labels.
func selects(sel, labels map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// secretRef returns the Secret name and key an env var reads.
func (p pod) secretRef(t *testing.T, name string) string {
	t.Helper()
	e, ok := p.env[name]
	if !ok || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
		t.Fatalf("sidecast env %s does not come from a Secret: %+v", name, e)
	}
	return e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
}

func (p pod) absent(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, ok := p.env[n]; ok {
			t.Errorf("sidecast env %s is set, want it absent", n)
		}
	}
}

func TestHelmChart(t *testing.T) {
	tests := []struct {
		name  string
		sets  []string
		check func(t *testing.T, r rendered, p pod)
	}{
		{"defaults: REDIS_HOST", nil, func(t *testing.T, r rendered, p pod) {
			if p.value(t, "REDIS_HOST") != "redis" || p.value(t, "REDIS_PORT") != "6379" {
				t.Errorf("REDIS_HOST/PORT %+v %+v", p.env["REDIS_HOST"], p.env["REDIS_PORT"])
			}
			p.absent(t, "REDIS_URL", "REDIS_PASSWORD", "REDIS_TLS", "ADMIN_TOKEN", "CLUSTER_SECRET", "DRAIN_RATE")
			if len(r.byKind["Secret"])+len(r.byKind["ServiceMonitor"]) != 0 {
				t.Error("defaults render a Secret or a ServiceMonitor")
			}
		}},
		{"redis URL", []string{"redis.url=redis://redis.data.svc:6379/0", "redis.host="}, func(t *testing.T, r rendered, p pod) {
			if p.value(t, "REDIS_URL") != "redis://redis.data.svc:6379/0" {
				t.Errorf("REDIS_URL %+v", p.env["REDIS_URL"])
			}
			p.absent(t, "REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD")
		}},
		{"password from an existing secret", []string{"redis.existingSecret=redis-secret"}, func(t *testing.T, r rendered, p pod) {
			if got := p.secretRef(t, "REDIS_PASSWORD"); got != "redis-secret/password" {
				t.Errorf("REDIS_PASSWORD from %s, want redis-secret/password", got)
			}
			if len(r.byKind["Secret"]) != 0 {
				t.Error("an existing secret needs no chart Secret")
			}
		}},
		{"URL from an existing secret", []string{"redis.existingSecret=redis-conn", "redis.existingSecretUrlKey=url"}, func(t *testing.T, r rendered, p pod) {
			if got := p.secretRef(t, "REDIS_URL"); got != "redis-conn/url" {
				t.Errorf("REDIS_URL from %s", got)
			}
			p.absent(t, "REDIS_HOST", "REDIS_PASSWORD")
		}},
		{"chart-managed secrets", []string{"redis.password=pw-7f3a9c", "admin.token=tok-51d2e8-admin-token", "cluster.secret=cs-0e4b7a-cluster-secret"}, checkChartSecret},
		{"mutual TLS from a secret", []string{
			"redis.tls.enabled=true", "redis.tls.existingSecret=redis-tls",
			"admin.existingSecret=sidecast-admin", "serviceMonitor.enabled=true", "cluster.existingSecret=sidecast-cluster",
		}, checkTLSAndMonitor},
		{"server-only TLS", []string{"redis.tls.enabled=true", "redis.tls.existingSecret=redis-ca", "redis.tls.certKey=", "redis.tls.rejectUnauthorized=false"}, func(t *testing.T, r rendered, p pod) {
			if p.value(t, "REDIS_TLS") != "true" || p.value(t, "REDIS_TLS_REJECT_UNAUTHORIZED") != "false" {
				t.Errorf("REDIS_TLS %+v, REJECT_UNAUTHORIZED %+v", p.env["REDIS_TLS"], p.env["REDIS_TLS_REJECT_UNAUTHORIZED"])
			}
			p.absent(t, "REDIS_TLS_CERT", "REDIS_TLS_KEY")
		}},
		{"event lists and ports", []string{
			"sidecast.mirrorEvents={join_twin_room,leave_twin_room}", "sidecast.localEvents={welcome,new_message@from=system}",
			"sidecast.mirrorEventReply=room_joined", "app.port=8081", "sidecast.port=4000", "sidecast.metricsPort=9100",
			"sidecast.drainTimeoutSeconds=50", "terminationGracePeriodSeconds=70", "sidecast.drainRate=40",
		}, func(t *testing.T, r rendered, p pod) {
			want := map[string]string{
				"DRAIN_RATE":    "40",
				"MIRROR_EVENTS": "join_twin_room,leave_twin_room", "LOCAL_EVENTS": "welcome,new_message@from=system",
				"MIRROR_EVENT_REPLY": "room_joined", "BACKEND_URL": "http://127.0.0.1:8081", "DRAIN_TIMEOUT": "50s",
			}
			for k, v := range want {
				if got := p.value(t, k); got != v {
					t.Errorf("%s=%q, want %q", k, got, v)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := renderChart(t, tt.sets...)
			checkStrictTypes(t, r)
			tt.check(t, r, checkSidecarPod(t, r))
		})
	}
}

// checkChartSecret: plain-text values go into the chart's Secret and never
// into the Deployment.
func checkChartSecret(t *testing.T, r rendered, p pod) {
	secret := r.one(t, "Secret", nil)
	for key, want := range map[string]string{"redis-password": "pw-7f3a9c", "admin-token": "tok-51d2e8-admin-token", "cluster-secret": "cs-0e4b7a-cluster-secret"} {
		got, err := base64.StdEncoding.DecodeString(secret.Data[key])
		if err != nil || string(got) != want {
			t.Errorf("Secret key %s = %q (%v), want %q", key, got, err, want)
		}
	}
	if got := p.secretRef(t, "REDIS_PASSWORD"); got != secret.Metadata.Name+"/redis-password" {
		t.Errorf("REDIS_PASSWORD from %s", got)
	}
	if got := p.secretRef(t, "ADMIN_TOKEN"); got != secret.Metadata.Name+"/admin-token" {
		t.Errorf("ADMIN_TOKEN from %s", got)
	}
	if got := p.secretRef(t, "CLUSTER_SECRET"); got != secret.Metadata.Name+"/cluster-secret" {
		t.Errorf("CLUSTER_SECRET from %s", got)
	}
	if p.dep.Template.Metadata.Annotations["checksum/secret"] == "" {
		t.Error("no checksum/secret annotation: pods would not roll when the secret changes")
	}
	if i := strings.Index(r.text, "kind: Deployment"); i < 0 || strings.Contains(r.text[i:], "pw-7f3a9c") ||
		strings.Contains(r.text[i:], "tok-51d2e8") || strings.Contains(r.text[i:], "cs-0e4b7a") {
		t.Error("a secret value appears in plain text after the Deployment header")
	}
}

// checkTLSAndMonitor: the TLS secret is mounted and REDIS_TLS_* point at
// files of that mount named after the secret's keys; the ServiceMonitor
// scrapes a port the Service has.
func checkTLSAndMonitor(t *testing.T, r rendered, p pod) {
	if p.value(t, "REDIS_TLS") != "true" {
		t.Errorf("REDIS_TLS %+v", p.env["REDIS_TLS"])
	}
	mounts := map[string]string{}
	for _, m := range p.sidecast.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	var secretVolume string
	for _, v := range p.dep.Template.Spec.Volumes {
		if v.Secret != nil && v.Secret.SecretName == "redis-tls" {
			secretVolume = v.Name
		}
	}
	dir, ok := mounts[secretVolume]
	if secretVolume == "" || !ok {
		t.Fatalf("secret redis-tls is not mounted in sidecast (volumes %+v, mounts %v)", p.dep.Template.Spec.Volumes, mounts)
	}
	for name, key := range map[string]string{"REDIS_TLS_CA": "ca.crt", "REDIS_TLS_CERT": "tls.crt", "REDIS_TLS_KEY": "tls.key"} {
		if got := p.value(t, name); got != path.Join(dir, key) {
			t.Errorf("%s=%s, want %s", name, got, path.Join(dir, key))
		}
	}
	if got := p.secretRef(t, "ADMIN_TOKEN"); got != "sidecast-admin/token" {
		t.Errorf("ADMIN_TOKEN from %s", got)
	}
	if got := p.secretRef(t, "CLUSTER_SECRET"); got != "sidecast-cluster/secret" {
		t.Errorf("CLUSTER_SECRET from %s", got)
	}
	var sm serviceMonitorSpec
	r.one(t, "ServiceMonitor", &sm)
	var svc serviceSpec
	r.one(t, "Service", &svc)
	ports := map[string]string{}
	for _, sp := range svc.Ports {
		ports[sp.Name] = sp.TargetPort
	}
	if len(sm.Endpoints) != 1 || sm.Endpoints[0].Path != "/metrics" || ports[sm.Endpoints[0].Port] != "metrics" {
		t.Errorf("ServiceMonitor endpoints %+v, Service ports %v: want /metrics on the metrics port", sm.Endpoints, slices.Sorted(maps.Keys(ports)))
	}
}

// TestHelmChartRefusesBrokenValues: settings that cannot work stop the
// render with a message naming the value, from values.schema.json (types,
// enums, misspelt keys) or from the templates' checks (combinations).
func TestHelmChartRefusesBrokenValues(t *testing.T) {
	tests := []struct {
		name string
		sets []string
		want string
	}{
		{"grace shorter than the drain", []string{"terminationGracePeriodSeconds=30"}, "terminationGracePeriodSeconds"},
		{"probes without a metrics port", []string{"sidecast.metricsPort=0"}, "sidecast.metricsPort"},
		{"replicas without Redis", []string{"redis.host="}, "redis.url or redis.host"},
		{"unknown protocol", []string{"sidecast.protocol=mqtt"}, "/sidecast/protocol"},
		{"misspelt value", []string{"sidecast.mirrorEvent=join_twin_room"}, "'mirrorEvent' not allowed"},
		{"duration where seconds are expected", []string{"sidecast.drainTimeoutSeconds=30s"}, "/sidecast/drainTimeoutSeconds"},
		{"not a Redis URL", []string{"redis.url=http://redis:6379"}, "/redis/url"},
		{"drain rate not a number", []string{"sidecast.drainRate=fast"}, "/sidecast/drainRate"},
		{"port clash with the app", []string{"app.port=3000"}, "app.port"},
		{"short admin token", []string{"admin.token=fifteen-bytes!!"}, "admin.token is shorter than 16 bytes"},
		{"short cluster secret", []string{"cluster.secret=short"}, "cluster.secret is shorter than 16 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var args []string
			for _, s := range tt.sets {
				args = append(args, "--set", s)
			}
			_, err := helm(t, append([]string{"template", "demo", chartDir}, args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("helm template with %v: %v; want a failure naming %s", tt.sets, err, tt.want)
			}
		})
	}
}
