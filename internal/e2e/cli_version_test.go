package e2e

import (
	"debug/buildinfo"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sidecast/sidecast/internal/testkit"
)

// buildFacts are what a binary's build information says about it, as the
// version command must print them.
type buildFacts struct{ version, commit, commitTime, goVersion string }

func readBuildFacts(t *testing.T, bin string) buildFacts {
	t.Helper()
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	f := buildFacts{version: bi.Main.Version, commit: "unknown", commitTime: "unknown", goVersion: bi.GoVersion}
	if f.version == "" {
		f.version = "(devel)"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			f.commit = s.Value
		case "vcs.time":
			f.commitTime = s.Value
		}
	}
	return f
}

// short is the commit as the one-line form abbreviates it.
func (f buildFacts) short() string {
	if len(f.commit) > 12 && f.commit != "unknown" {
		return f.commit[:12]
	}
	return f.commit
}

// TestVersionCommand: `sidecast version` and `--version` print what the
// binary's build information says (module version, commit, commit time,
// Go version) and exit 0; a node logs the same at start-up and exports it
// as sidecast_build_info.
func TestVersionCommand(t *testing.T) {
	want := readBuildFacts(t, sidecastBin)
	line := fmt.Sprintf("sidecast %s (commit %s, %s, %s", want.version, want.short(), want.commitTime, want.goVersion)
	for _, arg := range []string{"version", "--version"} {
		t.Run(arg, func(t *testing.T) {
			p := startProc(t, nil, arg)
			if code := p.exitCode(); code != 0 {
				t.Fatalf("exit code %d, want 0", code)
			}
			out := p.Stdout.String()
			if strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, line) {
				t.Fatalf("stdout %q, want one line starting %q", out, line)
			}
			if p.Stderr.String() != "" {
				t.Fatalf("stderr %q, want nothing", p.Stderr.String())
			}
		})
	}
	t.Run("start-up line and metric", func(t *testing.T) {
		mport := strconv.Itoa(testkit.FreePort(t))
		p := startProc(t, map[string]string{"SERVER_PORT": strconv.Itoa(testkit.FreePort(t)), "METRICS_PORT": mport,
			"BACKEND_URL": "http://127.0.0.1:1", "LOG_FORMAT": "text"})
		p.waitOutput(&p.Stderr, regexp.QuoteMeta(fmt.Sprintf(`msg="sidecast %s" node=`, want.version))+
			`\S+ `+regexp.QuoteMeta(fmt.Sprintf(`commit=%s commit_time=%s go=%s`, want.commit, want.commitTime, want.goVersion)))
		p.waitOutput(&p.Stderr, `metrics, probes and admin API listening`)
		key := fmt.Sprintf(`sidecast_build_info{commit="%s",goversion="%s",version="%s"}`, want.commit, want.goVersion, want.version)
		if v := sample(t, scrape(t, "http://127.0.0.1:"+mport), key); v != 1 {
			t.Fatalf("%s = %v, want 1", key, v)
		}
	})
}

// TestVersionStamped: a build stamped through -ldflags (as the release
// build stamps a tree without its .git folder) prints the stamped facts.
func TestVersionStamped(t *testing.T) {
	const pkg = "github.com/sidecast/sidecast/internal/version"
	bin := filepath.Join(t.TempDir(), "sidecast")
	flags := fmt.Sprintf("-X %s.version=v9.8.7 -X %s.commit=0123456789abcdef0123456789abcdef01234567 -X %s.commitTime=2026-01-02T03:04:05Z", pkg, pkg, pkg)
	build := exec.Command("go", "build", "-ldflags", flags, "-o", bin, ".")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "version")
	cmd.Env = []string{}
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	goVersion := readBuildFacts(t, bin).goVersion
	if want := "sidecast v9.8.7 (commit 0123456789ab, 2026-01-02T03:04:05Z, " + goVersion; !strings.HasPrefix(string(out), want) {
		t.Fatalf("version %q, want it to start %q", out, want)
	}
}
