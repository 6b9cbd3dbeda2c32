package siotest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// RepoRoot returns the directory of the module's go.mod, found by walking up
// from the working directory (a test runs in its package's directory).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("siotest: working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNoRepoRoot
		}
		dir = parent
	}
}

// nodeDir returns the absolute path of a Node folder of the repository and
// fails the test, naming the fix, when node or the folder's modules are missing.
func nodeDir(t testing.TB, rel, module string) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("siotest: node is not on PATH (install Node.js 18+): %v", err)
	}
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, rel)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", module, "package.json")); err != nil {
		t.Fatalf("siotest: %s is not installed in %s: run `npm ci` in %s", module, rel, rel)
	}
	return dir
}
