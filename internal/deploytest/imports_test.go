package deploytest

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestImportDirection holds the layout's rule (docs/design.md, Layout):
// imports point from the command line down to the core. The core packages
// never import the application packages, operations never imports the
// node, and product code never imports a test-support package.
func TestImportDirection(t *testing.T) {
	const mod = "github.com/sidecast/sidecast/"
	app := []string{"internal/config", "internal/node", "internal/ops", "internal/demo"}
	testSupport := []string{"internal/testkit", "internal/redistest", "internal/siotest", "internal/difftest", "internal/syncbuf", "internal/conformance"}
	rules := []struct {
		from      []string // package path prefixes, below the module
		forbidden []string
	}{
		{[]string{"proxy", "fanout", "sticky", "internal/rawio"}, append(app, testSupport...)},
		{[]string{"internal/config"}, []string{"internal/node", "internal/ops", "internal/demo"}},
		{[]string{"internal/ops"}, []string{"internal/node", "internal/demo"}},
		{[]string{"internal/node"}, []string{"internal/demo"}},
		{append([]string{"."}, app...), testSupport},
	}
	cmd := exec.Command("go", "list", "-json=ImportPath,Deps", "./...")
	cmd.Dir = repoRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	checked := 0
	for dec.More() {
		var p struct {
			ImportPath string
			Deps       []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, strings.TrimSuffix(mod, "/")), "/")
		if rel == "" {
			rel = "."
		}
		for _, r := range rules {
			if !underAny(rel, r.from) {
				continue
			}
			checked++
			for _, dep := range p.Deps {
				if d, ok := strings.CutPrefix(dep, mod); ok && underAny(d, r.forbidden) {
					t.Errorf("%s depends on %s", rel, d)
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d packages matched a rule: the layout changed under the test", checked)
	}
}

// underAny: rel is one of the prefixes or a package below one ("." is the
// root package alone).
func underAny(rel string, prefixes []string) bool {
	for _, p := range prefixes {
		if rel == p || (p != "." && strings.HasPrefix(rel, p+"/")) {
			return true
		}
	}
	return false
}
