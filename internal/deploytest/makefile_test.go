package deploytest

import (
	"strings"
	"testing"
)

// makeRecipe returns the recipe lines of a Makefile target, joined with
// their continuation lines, tabs stripped.
func makeRecipe(t *testing.T, target string) string {
	t.Helper()
	lines := strings.Split(readRepoFile(t, "Makefile"), "\n")
	for i, line := range lines {
		if !strings.HasPrefix(line, target+":") {
			continue
		}
		var recipe []string
		for _, l := range lines[i+1:] {
			if !strings.HasPrefix(l, "\t") {
				break
			}
			recipe = append(recipe, strings.TrimSpace(l))
		}
		return strings.Join(recipe, "\n")
	}
	t.Fatalf("the Makefile has no target %s", target)
	return ""
}

// makeVariable returns the right-hand side of a Makefile variable assigned
// with :=, ?= or =.
func makeVariable(t *testing.T, name string) string {
	t.Helper()
	for _, line := range strings.Split(readRepoFile(t, "Makefile"), "\n") {
		for _, op := range []string{" := ", " ?= ", " = "} {
			if v, ok := strings.CutPrefix(line, name+op); ok {
				return v
			}
		}
	}
	t.Fatalf("the Makefile does not set %s", name)
	return ""
}
