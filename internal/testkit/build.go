package testkit

import (
	"fmt"
	"os/exec"
	"path/filepath"
)

// BuildSidecast builds the repository's command into dir and returns the
// binary's path; race adds the race detector, as the tests that run it
// under -race want.
func BuildSidecast(dir string, race bool) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "sidecast")
	args := []string{"build", "-o", bin}
	if race {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("testkit: build sidecast: %w\n%s", err, out)
	}
	return bin, nil
}
