package version

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func buildInfo(version string, settings ...string) *debug.BuildInfo {
	bi := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/sidecast/sidecast", Version: version}}
	for i := 0; i+1 < len(settings); i += 2 {
		bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
	}
	return bi
}

func TestResolve(t *testing.T) {
	const sha = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		s    stamps
		want Info
	}{
		{"no build information", nil, stamps{},
			Info{Version: "(devel)", Commit: unknown, CommitTime: unknown, GoVersion: runtime.Version()}},
		{"go install of a tag", buildInfo("v1.2.3"), stamps{},
			Info{Version: "v1.2.3", Commit: unknown, CommitTime: unknown, GoVersion: "go1.26.0"}},
		{"build in a checkout", buildInfo("v0.0.0-20261207003000-0123456789ab", "vcs.revision", sha, "vcs.time", "2026-12-07T00:30:00Z", "vcs.modified", "false"), stamps{},
			Info{Version: "v0.0.0-20261207003000-0123456789ab", Commit: sha, CommitTime: "2026-12-07T00:30:00Z", GoVersion: "go1.26.0"}},
		{"dirty checkout", buildInfo("v0.0.0-20261207003000-0123456789ab+dirty", "vcs.revision", sha, "vcs.modified", "true"), stamps{},
			Info{Version: "v0.0.0-20261207003000-0123456789ab+dirty", Commit: sha, CommitTime: unknown, Modified: true, GoVersion: "go1.26.0"}},
		{"ldflags win over build information", buildInfo("(devel)", "vcs.revision", "feedface"), stamps{version: "v2.0.0", commit: sha, commitTime: "2026-01-02T03:04:05Z"},
			Info{Version: "v2.0.0", Commit: sha, CommitTime: "2026-01-02T03:04:05Z", GoVersion: "go1.26.0"}},
		{"image build: ldflags only", nil, stamps{version: "v2.0.0+dirty", commit: sha},
			Info{Version: "v2.0.0+dirty", Commit: sha, CommitTime: unknown, Modified: true, GoVersion: runtime.Version()}},
		{"empty main version", buildInfo(""), stamps{},
			Info{Version: "(devel)", Commit: unknown, CommitTime: unknown, GoVersion: "go1.26.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := resolve(tt.bi, tt.s); got != tt.want {
				t.Errorf("resolve = %+v\nwant      %+v", got, tt.want)
			}
		})
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		name string
		in   Info
		want string
	}{
		{"release", Info{Version: "v1.2.3", Commit: "0123456789abcdef0123", CommitTime: "2026-12-07T00:30:00Z", GoVersion: "go1.26.0"},
			"sidecast v1.2.3 (commit 0123456789ab, 2026-12-07T00:30:00Z, go1.26.0)"},
		{"modified", Info{Version: "(devel)", Commit: "abc", CommitTime: unknown, Modified: true, GoVersion: "go1.26.0"},
			"sidecast (devel) (commit abc, unknown, go1.26.0, modified)"},
		{"nothing known", Info{Version: "(devel)", Commit: unknown, CommitTime: unknown, GoVersion: "go1.26.0"},
			"sidecast (devel) (commit unknown, unknown, go1.26.0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestLinkTimeStamp builds a program that prints Get() with the same -X
// flags the release build passes, so a renamed variable fails here rather
// than in a release whose binaries all say "(devel)".
func TestLinkTimeStamp(t *testing.T) {
	const pkg = "github.com/sidecast/sidecast/internal/version"
	bin := filepath.Join(t.TempDir(), "printversion")
	ldflags := "-X " + pkg + ".version=v9.8.7 -X " + pkg + ".commit=cafebabecafebabecafebabe -X " + pkg + ".commitTime=2026-12-07T01:02:03Z"
	build := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", bin, "./testdata/printversion")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		k, v, _ := strings.Cut(line, "=")
		got[k] = v
	}
	want := map[string]string{
		"version":    "v9.8.7",
		"commit":     "cafebabecafebabecafebabe",
		"commitTime": "2026-12-07T01:02:03Z",
		"modified":   "false",
		"go":         runtime.Version(),
		"string":     "sidecast v9.8.7 (commit cafebabecafe, 2026-12-07T01:02:03Z, " + runtime.Version() + ")",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %q, want %q", k, got[k], w)
		}
	}
}

// TestFromBuildInfo: another binary's build information reads as Get
// would read it inside that binary, without this binary's stamps.
func TestFromBuildInfo(t *testing.T) {
	const sha = "0123456789abcdef0123456789abcdef01234567"
	got := FromBuildInfo(buildInfo("v1.2.3", "vcs.revision", sha, "vcs.time", "2026-12-07T00:30:00Z"))
	want := Info{Version: "v1.2.3", Commit: sha, CommitTime: "2026-12-07T00:30:00Z", GoVersion: "go1.26.0"}
	if got != want {
		t.Fatalf("FromBuildInfo = %+v, want %+v", got, want)
	}
}
