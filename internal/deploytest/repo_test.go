package deploytest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sidecast/sidecast/internal/testkit"
)

// repoRoot is the module root (testkit.RepoRoot), or fails the test.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := testkit.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// readRepoFile reads a file given relative to the module root.
func readRepoFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), filepath.FromSlash(rel)))
	if err != nil {
		t.Fatalf("read %s: %v", rel, err)
	}
	return string(b)
}
