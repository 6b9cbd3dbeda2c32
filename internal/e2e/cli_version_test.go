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
	"github.com/sidecast/sidecast/internal/version"
)

// buildFacts is what the binary's build information says about it, as the
// version command must print it.
func buildFacts(t *testing.T, bin string) version.Info {
	t.Helper()
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	return version.FromBuildInfo(bi)
}

// TestVersionCommand: `sidecast version` and `--version` print what the
// binary's build information says (module version, commit, commit time,
// Go version) and exit 0; a node logs the same at start-up and exports it
// as sidecast_build_info.
func TestVersionCommand(t *testing.T) {
	want := buildFacts(t, sidecastBin)
	line := want.String() + "\n"
	for _, arg := range []string{"version", "--version"} {
		t.Run(arg, func(t *testing.T) {
			p := startProc(t, nil, arg)
			if code := p.exitCode(); code != 0 {
				t.Fatalf("exit code %d, want 0", code)
			}
			out := p.Stdout.String()
			if out != line {
				t.Fatalf("stdout %q, want %q", out, line)
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
		p.waitOutput(&p.Stderr, regexp.QuoteMeta(fmt.Sprintf(`msg="sidecast %s" node=`, want.Version))+
			`\S+ `+regexp.QuoteMeta(fmt.Sprintf(`commit=%s commit_time=%s go=%s`, want.Commit, want.CommitTime, want.GoVersion)))
		p.waitOutput(&p.Stderr, `metrics, probes and admin API listening`)
		key := fmt.Sprintf(`sidecast_build_info{commit="%s",goversion="%s",version="%s"}`, want.Commit, want.GoVersion, want.Version)
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
	goVersion := buildFacts(t, bin).GoVersion
	if want := "sidecast v9.8.7 (commit 0123456789ab, 2026-01-02T03:04:05Z, " + goVersion; !strings.HasPrefix(string(out), want) {
		t.Fatalf("version %q, want it to start %q", out, want)
	}
}
