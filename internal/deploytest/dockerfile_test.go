package deploytest

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// dockerfile parses a Dockerfile given relative to the module root.
func dockerfile(t *testing.T, rel string) []stage {
	t.Helper()
	stages, err := parseDockerfile(readRepoFile(t, rel))
	if err != nil {
		t.Fatalf("parse %s: %v", rel, err)
	}
	if len(stages) < 2 {
		t.Fatalf("%s has no FROM", rel)
	}
	return stages
}

// buildStage is the stage whose base image is the Go toolchain.
func buildStage(t *testing.T, stages []stage) stage {
	t.Helper()
	for _, s := range stages[1:] {
		if strings.HasPrefix(s.From, "golang:") {
			return s
		}
	}
	t.Fatal("no stage FROM golang:…")
	return stage{}
}

// entrypoint is the final stage's ENTRYPOINT in exec form.
func entrypoint(t *testing.T, final stage) []string {
	t.Helper()
	eps := final.find("ENTRYPOINT")
	if len(eps) != 1 {
		t.Fatalf("final stage has %d ENTRYPOINTs, want 1", len(eps))
	}
	argv, ok := execForm(eps[0].Args)
	if !ok || len(argv) == 0 {
		t.Fatalf("ENTRYPOINT %q is not in exec form: a shell would be PID 1 and swallow SIGTERM", eps[0].Args)
	}
	return argv
}

func TestDockerfile(t *testing.T) {
	stages := dockerfile(t, "Dockerfile")
	final := stages[len(stages)-1]
	build := buildStage(t, stages)
	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"multi-stage", func(t *testing.T) {
			if len(stages)-1 < 2 {
				t.Errorf("%d stages, want a builder and a final stage", len(stages)-1)
			}
			if build.Name == "" {
				t.Error("the build stage has no AS name for COPY --from")
			}
		}},
		{"go version matches go.mod", func(t *testing.T) { checkGoVersion(t, stages) }},
		{"module download cached before the source", func(t *testing.T) { checkModuleLayer(t, build) }},
		{"static trimmed build", func(t *testing.T) { checkStaticBuild(t, build) }},
		{"small final image", func(t *testing.T) {
			if final.From != "scratch" && !strings.Contains(final.From, "distroless") {
				t.Errorf("final stage FROM %s, want scratch or distroless", final.From)
			}
		}},
		{"CA certificates", func(t *testing.T) {
			if final.From == "scratch" && !stageCopies(final, "ca-certificates.crt") {
				t.Error("a scratch image needs CA certificates copied in for rediss:// with a public CA")
			}
		}},
		{"non-root numeric user", func(t *testing.T) { checkUser(t, final) }},
		{"exposed ports", func(t *testing.T) { checkExpose(t, final, defaultPorts(t)...) }},
		{"entrypoint is the built binary", func(t *testing.T) {
			bin := entrypoint(t, final)[0]
			if !stageCopies(final, "--from="+build.Name) || !stageCopies(final, bin) {
				t.Errorf("final stage does not COPY --from=%s into %s", build.Name, bin)
			}
		}},
		{"healthcheck", func(t *testing.T) { checkHealthcheck(t, final, entrypoint(t, final)[0], "healthcheck") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.check)
	}
}

func checkGoVersion(t *testing.T, stages []stage) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(readRepoFile(t, "go.mod"))
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	for _, in := range stages[0].find("ARG") {
		if v, ok := strings.CutPrefix(in.Args, "GO_VERSION="); ok {
			if v != m[1] {
				t.Errorf("ARG GO_VERSION=%s, go.mod says go %s", v, m[1])
			}
			return
		}
	}
	t.Error("no global ARG GO_VERSION= for the builder image")
}

// checkModuleLayer wants go.mod and go.sum copied and downloaded before the
// rest of the source, so a source edit reuses the module layer.
func checkModuleLayer(t *testing.T, build stage) {
	t.Helper()
	modCopy, download, srcCopy := -1, -1, -1
	for i, in := range build.Insts {
		switch {
		case in.Cmd == "COPY" && strings.Contains(in.Args, "go.mod") && strings.Contains(in.Args, "go.sum"):
			modCopy = i
		case in.Cmd == "RUN" && strings.Contains(in.Args, "go mod download"):
			download = i
			if strings.Contains(in.Args, "--mount=type=cache") {
				t.Errorf("line %d: modules downloaded into a cache mount are not kept in the layer", in.Line)
			}
		case in.Cmd == "COPY" && strings.HasPrefix(in.Args, ". "):
			srcCopy = i
		}
	}
	if modCopy < 0 || download < 0 || srcCopy < 0 || !(modCopy < download && download < srcCopy) {
		t.Errorf("want COPY go.mod go.sum, then RUN go mod download, then COPY . ; got positions %d, %d, %d",
			modCopy, download, srcCopy)
	}
}

// checkStaticBuild wants the build stage to run the Makefile's build target,
// the one build command make release uses too, and that target to build a
// static, trimmed, stripped binary with the version stamp.
func checkStaticBuild(t *testing.T, build stage) {
	t.Helper()
	for _, in := range build.find("RUN") {
		if !strings.Contains(in.Args, "make build") {
			continue
		}
		for _, want := range []string{"OUT=/out/sidecast", "BUILDVCS=false", "VERSION=", "COMMIT=", "COMMIT_TIME="} {
			if !strings.Contains(in.Args, want) {
				t.Errorf("make build (line %d) lacks %s", in.Line, want)
			}
		}
		checkBuildRecipe(t)
		return
	}
	t.Error("the build stage never runs make build, the release's build command")
}

// checkBuildRecipe reads the Makefile's build target.
func checkBuildRecipe(t *testing.T) {
	t.Helper()
	recipe := makeRecipe(t, "build")
	for _, want := range []string{"CGO_ENABLED=0", "go build", "-trimpath", "-buildvcs=$(BUILDVCS)", `-ldflags "$(LDFLAGS)"`} {
		if !strings.Contains(strings.ReplaceAll(recipe, "$(GO) build", "go build"), want) {
			t.Errorf("the Makefile's build recipe %q lacks %s", recipe, want)
		}
	}
	ldflags := makeVariable(t, "LDFLAGS")
	for _, want := range []string{"-s -w", "internal/version.version=$(VERSION)", ".commit=$(COMMIT)", ".commitTime=$(COMMIT_TIME)"} {
		if !strings.Contains(strings.ReplaceAll(ldflags, "$(VERSION_PKG)", "internal/version"), want) {
			t.Errorf("LDFLAGS %q lacks %s", ldflags, want)
		}
	}
}

func checkUser(t *testing.T, final stage) {
	t.Helper()
	users := final.find("USER")
	if len(users) == 0 {
		t.Fatal("final stage has no USER: it would run as root")
	}
	user := users[len(users)-1].Args
	uid, gid, _ := strings.Cut(user, ":")
	for _, id := range []string{uid, gid} {
		if id == "" {
			continue
		}
		n, err := strconv.Atoi(id)
		if err != nil || n == 0 {
			t.Errorf("USER %s: want non-zero numeric ids (Kubernetes runAsNonRoot checks numbers)", user)
		}
	}
}

// defaultPorts are SERVER_PORT's and METRICS_PORT's defaults: from
// sidecast's Config where it declares them, else those of docs/design.md,
// Interface decisions.
func defaultPorts(t *testing.T) []string {
	t.Helper()
	declared := configEnv(t, filepath.Join(repoRoot(t), configSourceDir))
	ports := []string{"3000", "9090"}
	for i, name := range []string{"SERVER_PORT", "METRICS_PORT"} {
		if def := declared[name]; def != "" {
			ports[i] = def
		}
	}
	return ports
}

func checkExpose(t *testing.T, st stage, ports ...string) {
	t.Helper()
	var exposed []string
	for _, in := range st.find("EXPOSE") {
		exposed = append(exposed, strings.Fields(in.Args)...)
	}
	for _, p := range ports {
		if !slices.Contains(exposed, p) && !slices.Contains(exposed, p+"/tcp") {
			t.Errorf("port %s not exposed (EXPOSE %v)", p, exposed)
		}
	}
}

func checkHealthcheck(t *testing.T, st stage, argv ...string) {
	t.Helper()
	hcs := st.find("HEALTHCHECK")
	if len(hcs) != 1 {
		t.Fatalf("%d HEALTHCHECKs, want 1", len(hcs))
	}
	_, cmd, ok := strings.Cut(hcs[0].Args, "CMD ")
	if !ok {
		t.Fatalf("HEALTHCHECK %q has no CMD", hcs[0].Args)
	}
	got, ok := execForm(cmd)
	if !ok {
		t.Fatalf("HEALTHCHECK CMD %q is not in exec form", cmd)
	}
	if len(got) < len(argv) || !slices.Equal(got[:len(argv)], argv) {
		t.Errorf("HEALTHCHECK CMD %q, want it to start with %q", got, argv)
	}
}

// stageCopies reports whether some COPY of the stage mentions s.
func stageCopies(st stage, s string) bool {
	for _, in := range st.find("COPY") {
		if strings.Contains(in.Args, s) {
			return true
		}
	}
	return false
}

// copySources lists the sources of the stage's COPY instructions that read
// the build context (not --from).
func copySources(st stage) []string {
	var out []string
	for _, in := range st.find("COPY") {
		if strings.Contains(in.Args, "--from=") {
			continue
		}
		var args []string
		for _, f := range strings.Fields(in.Args) {
			if !strings.HasPrefix(f, "--") {
				args = append(args, f)
			}
		}
		if len(args) > 1 {
			out = append(out, args[:len(args)-1]...)
		}
	}
	return out
}

func TestExampleBackendDockerfile(t *testing.T) {
	const dir = "examples/socketio-chat"
	stages := dockerfile(t, dir+"/Dockerfile")
	final := stages[len(stages)-1]
	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"node 20 alpine", func(t *testing.T) {
			if final.From != "node:20-alpine" {
				t.Errorf("FROM %s, want node:20-alpine", final.From)
			}
		}},
		{"production install from the lockfile", func(t *testing.T) {
			for _, in := range final.find("RUN") {
				if strings.Contains(in.Args, "npm ci --omit=dev") {
					return
				}
			}
			t.Error("no RUN npm ci --omit=dev")
		}},
		{"copied files exist", func(t *testing.T) {
			for _, src := range copySources(final) {
				if _, err := os.Stat(filepath.Join(repoRoot(t), dir, src)); err != nil {
					t.Errorf("COPY source %s: %v", src, err)
				}
			}
		}},
		{"non-root user", func(t *testing.T) {
			users := final.find("USER")
			if len(users) == 0 || users[len(users)-1].Args == "root" || users[len(users)-1].Args == "0" {
				t.Errorf("USER %v: the backend must not run as root", users)
			}
		}},
		{"exposed port", func(t *testing.T) { checkExpose(t, final, "3001") }},
		{"healthcheck", func(t *testing.T) { checkHealthcheck(t, final, "node", "-e") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.check)
	}
}
