package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sidecast/sidecast/internal/testkit"
)

var updateREADME = flag.Bool("update-readme", false, "rewrite the configuration table in README.md")

// readmePath is the repository's README, seen from this package.
var readmePath = filepath.Join("..", "..", "README.md")

const (
	tableStart = "<!-- config-table:start (generated from config.go by: go test ./internal/config -run TestREADMEConfigTable -update-readme) -->\n"
	tableEnd   = "<!-- config-table:end -->"
)

// TestREADMEConfigTable: the README's configuration table is the one the
// Config struct tags generate, so it cannot drift from --help.
func TestREADMEConfigTable(t *testing.T) {
	raw, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	i, j := strings.Index(readme, tableStart), strings.Index(readme, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the markers %q … %q", tableStart, tableEnd)
	}
	var table strings.Builder
	writeMarkdownTable(&table)
	fresh := readme[:i+len(tableStart)] + table.String() + readme[j:]
	if *updateREADME {
		if err := os.WriteFile(readmePath, []byte(fresh), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if fresh != readme {
		t.Fatal("README.md's configuration table is stale: run go test ./internal/config -run TestREADMEConfigTable -update-readme")
	}
	for _, name := range testkit.DocumentedVariables {
		if !strings.Contains(readme, "| `"+name+"` |") {
			t.Errorf("README.md's table lacks %s", name)
		}
	}
}

// TestREADMEQuickStart: the quick start is exactly the two commands.
func TestREADMEQuickStart(t *testing.T) {
	raw, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(raw), "## Quick start")
	if !ok {
		t.Fatal("README.md has no Quick start section")
	}
	_, block, _ := strings.Cut(rest, "```sh\n")
	block, _, _ = strings.Cut(block, "```")
	if got := strings.TrimSpace(block); got != "go run . demo\nmake test" {
		t.Fatalf("quick start commands = %q, want go run . demo and make test", got)
	}
}

// TestEveryVariableHasHelp: a variable added without a meaning fails here.
func TestEveryVariableHasHelp(t *testing.T) {
	for _, s := range Settings() {
		if len(s.Help) < 10 {
			t.Errorf("%s has no help text", s.Name)
		}
	}
}
