package testkit

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// ErrNoRepoRoot: no folder above the working directory holds go.mod.
var ErrNoRepoRoot = errors.New("testkit: no go.mod above the working directory")

// RepoRoot is the repository's root: the nearest folder above the working
// directory (a test's package folder) that holds go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("testkit: working directory: %w", err)
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

// NodeDir is the absolute path of the repository's Node.js folder rel; it
// fails, naming the fix, when node is not installed or the folder's
// modules (module, one of them) were not installed with npm ci.
func NodeDir(rel, module string) (string, error) {
	if _, err := exec.LookPath("node"); err != nil {
		return "", fmt.Errorf("testkit: node is not on PATH (install Node.js 18+): %w", err)
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, rel)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", module, "package.json")); err != nil {
		return "", fmt.Errorf("testkit: %s is not installed in %s: run `npm ci` there (or make deps)", module, rel)
	}
	return dir, nil
}
