package deploytest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// releasePlatforms are the ones the test builds: one per operating system,
// both architectures; make release builds all four.
var releasePlatforms = []string{"linux/amd64", "darwin/arm64"}

// TestReleaseReproducible runs make release in two fresh clones of HEAD at
// two different paths and wants byte-identical archives: -trimpath drops
// the paths, the stamp holds the commit's time and not the build's, and the
// archives have fixed owners, order and times. The checksum file must
// verify with sha256sum -c, and each archive holds the binary, LICENSE and
// README.md. Uncommitted changes are not part of a clone: the test checks
// the committed tree.
func TestReleaseReproducible(t *testing.T) {
	root := repoRoot(t)
	head := strings.TrimSpace(gitOut(t, root, "rev-parse", "HEAD"))
	commitEpoch, err := strconv.ParseInt(strings.TrimSpace(gitOut(t, root, "log", "-1", "--format=%ct", head)), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	var sums []string
	var version string
	for _, name := range []string{"first", "second-at-another-path"} {
		dir := filepath.Join(t.TempDir(), name)
		gitOut(t, root, "clone", "--quiet", "--no-checkout", root, dir)
		gitOut(t, dir, "checkout", "--quiet", head)
		version = strings.TrimSpace(gitOut(t, dir, "describe", "--tags", "--always", "--dirty", "--match", "v*"))
		runMake(t, dir, "release", "PLATFORMS="+strings.Join(releasePlatforms, " "))
		sumFile := filepath.Join("dist", "sidecast_"+version+"_checksums.txt")
		sum, err := os.ReadFile(filepath.Join(dir, sumFile))
		if err != nil {
			t.Fatalf("make release wrote no checksum file: %v", err)
		}
		sums = append(sums, string(sum))
		verify := exec.Command("sha256sum", "-c", filepath.Base(sumFile))
		verify.Dir = filepath.Join(dir, "dist")
		if out, err := verify.CombinedOutput(); err != nil {
			t.Fatalf("sha256sum -c: %v\n%s", err, out)
		}
		checkChecksumLines(t, filepath.Join(dir, "dist"), string(sum), version)
		for _, p := range releasePlatforms {
			goos, goarch, _ := strings.Cut(p, "/")
			checkArchive(t, filepath.Join(dir, "dist", fmt.Sprintf("sidecast_%s_%s_%s.tar.gz", version, goos, goarch)), commitEpoch)
		}
		checkStamp(t, filepath.Join(dir, "dist", "linux_amd64", "sidecast"), head, version)
	}
	if sums[0] != sums[1] {
		t.Errorf("two builds of %s differ:\n%s\n%s", head, sums[0], sums[1])
	}
	t.Logf("checksums of %s:\n%s", head, sums[0])
}

// checkChecksumLines wants one "<sha256>  <archive>" line per platform, each
// the archive's real digest (sha256sum -c would pass an empty file).
func checkChecksumLines(t *testing.T, dist, sums, version string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(sums), "\n")
	if len(lines) != len(releasePlatforms) {
		t.Fatalf("checksum file has %d lines, want %d:\n%s", len(lines), len(releasePlatforms), sums)
	}
	for _, line := range lines {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			t.Fatalf("checksum line %q is not \"<sum>  <file>\"", line)
		}
		b, err := os.ReadFile(filepath.Join(dist, name))
		if err != nil {
			t.Fatal(err)
		}
		d := sha256.Sum256(b)
		if hex.EncodeToString(d[:]) != sum {
			t.Errorf("%s: checksum file says %s", name, sum)
		}
		if !strings.HasPrefix(name, "sidecast_"+version+"_") {
			t.Errorf("archive %s is not named after version %s", name, version)
		}
	}
}

// checkArchive wants the binary, LICENSE and README.md, owned by root with
// the commit's time, the binary executable.
func checkArchive(t *testing.T, path string, commitEpoch int64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("archive missing: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if !zr.ModTime.IsZero() || zr.Name != "" {
		t.Errorf("%s: gzip header carries a name %q or time %v (gzip -n)", path, zr.Name, zr.ModTime)
	}
	tr := tar.NewReader(zr)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		names = append(names, h.Name)
		if h.Uid != 0 || h.Gid != 0 || h.ModTime.Unix() != commitEpoch {
			t.Errorf("%s: %s owned %d:%d at %v, want 0:0 at the commit's time %v", path, h.Name, h.Uid, h.Gid, h.ModTime, time.Unix(commitEpoch, 0))
		}
		if h.Name == "sidecast" && h.Mode&0o111 == 0 {
			t.Errorf("%s: the binary is not executable (mode %o)", path, h.Mode)
		}
	}
	if want := []string{"LICENSE", "README.md", "sidecast"}; !slices.Equal(names, want) {
		t.Errorf("%s holds %v, want %v", path, names, want)
	}
}

// checkStamp reads the linux binary's build information: trimmed, static,
// stamped with the commit; the -ldflags stamp carries the version string.
func checkStamp(t *testing.T, bin, head, version string) {
	t.Helper()
	out, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	for _, want := range []string{"-trimpath=true", "CGO_ENABLED=0", "vcs.revision=" + head, "vcs.modified=false"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("build information lacks %s:\n%s", want, out)
		}
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(version)) || !bytes.Contains(b, []byte(head)) {
		t.Errorf("the binary does not hold the -ldflags stamp (version %s, commit %s)", version, head)
	}
}

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}

func runMake(t *testing.T, dir string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "make", append([]string{"--no-print-directory"}, args...)...)
	cmd.Dir = dir
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("make %s in %s: %s", strings.Join(args, " "), filepath.Base(dir), time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}
