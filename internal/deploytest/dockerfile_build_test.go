package deploytest

import (
	"context"
	"debug/elf"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDockerfileBuildStageOnHost replays the Dockerfile's build stage on
// this machine, since no Docker engine runs here: the module download with
// only go.mod and go.sum present, then the stage's go build on a copy of the
// build context that .dockerignore leaves. The result must be a static
// binary that runs as the image's non-root user. Not replayed: the base
// images themselves and the CA bundle copied from the builder.
func TestDockerfileBuildStageOnHost(t *testing.T) {
	stages := dockerfile(t, "Dockerfile")
	build := buildStage(t, stages)
	root := t.TempDir()
	modOnly := filepath.Join(root, "mod")
	context := filepath.Join(root, "context")
	copyContext(t, repoRoot(t), context)
	for _, f := range []string{"go.mod", "go.sum"} {
		copyFile(t, filepath.Join(context, f), filepath.Join(modOnly, f))
	}
	args := stageArgs(stages[0], build)
	copied := false
	for _, in := range build.Insts {
		switch {
		case in.Cmd == "COPY" && strings.HasPrefix(in.Args, ". "):
			copied = true
		case in.Cmd == "RUN":
			dir := modOnly
			if copied {
				dir = context
			}
			runStep(t, dir, root, in, args)
		}
	}
	bin := filepath.Join(root, "out", "sidecast")
	final := stages[len(stages)-1]
	if !stageCopies(final, "/out/sidecast") {
		t.Fatal("the final stage does not copy /out/sidecast; update this test with the Dockerfile")
	}
	checkStatic(t, bin)
	runAsImageUser(t, bin, final)
}

// stageArgs are the ARG defaults visible to the build stage.
func stageArgs(global, build stage) map[string]string {
	args := map[string]string{}
	for _, st := range []stage{global, build} {
		for _, in := range st.find("ARG") {
			if k, v, ok := strings.Cut(in.Args, "="); ok {
				args[k] = v
			}
		}
	}
	return args
}

var (
	mountFlag = regexp.MustCompile(`--mount=\S+\s*`)
	outFolder = regexp.MustCompile(`([ =])/out/`)
)

// runStep runs one RUN instruction with sh in dir: build-cache mounts
// dropped, the ARG defaults in the environment, /out/ moved under root.
func runStep(t *testing.T, dir, root string, in instruction, args map[string]string) {
	t.Helper()
	script := mountFlag.ReplaceAllString(in.Args, "")
	script = outFolder.ReplaceAllString(script, "${1}"+filepath.Join(root, "out")+"/")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", script)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	for k, v := range args {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("line %d: RUN %s (%s)", in.Line, strings.TrimSpace(script), time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("line %d fails: %v\n%s", in.Line, err, out)
	}
}

// copyContext copies the files of src that .dockerignore keeps into dst.
func copyContext(t *testing.T, src, dst string) {
	t.Helper()
	rules := parseDockerignore(readRepoFile(t, ".dockerignore"))
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel == "." {
			return nil
		}
		if ignored(rules, filepath.ToSlash(rel)) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			copyFile(t, p, filepath.Join(dst, rel))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("copy the build context: %v", err)
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// checkStatic wants an ELF file with no program interpreter and no dynamic
// section: it runs on scratch.
func checkStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("the build stage left no binary: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s is dynamically linked (program header %v): it cannot run on scratch", bin, p.Type)
		}
	}
	if f.Section(".symtab") != nil {
		t.Errorf("%s keeps its symbol table: -ldflags \"-s -w\" did not apply", bin)
	}
}

// runAsImageUser runs `sidecast --help` with the final stage's USER ids:
// the binary needs nothing that only root may do to start.
func runAsImageUser(t *testing.T, bin string, final stage) {
	t.Helper()
	users := final.find("USER")
	uid, gid, _ := strings.Cut(users[len(users)-1].Args, ":")
	if os.Geteuid() != 0 {
		t.Fatalf("running as the image's user %s needs root; this test runs as uid %d", uid, os.Geteuid())
	}
	// t.TempDir's folders are private to root; the user must reach the
	// binary.
	for dir := filepath.Dir(bin); dir != filepath.Dir(dir) && dir != os.TempDir(); dir = filepath.Dir(dir) {
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "--help")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: atou(t, uid), Gid: atou(t, gid)}}
	cmd.Env = []string{}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SERVER_PORT") {
		t.Errorf("sidecast --help as %s:%s: %v\n%s", uid, gid, err, out)
	}
}

func atou(t *testing.T, s string) uint32 {
	t.Helper()
	var n uint32
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("id %q is not numeric", s)
		}
		n = n*10 + uint32(c-'0')
	}
	return n
}
