package siotest

import (
	"testing"

	"github.com/sidecast/sidecast/internal/testkit"
)

// nodeDir returns the absolute path of a Node folder of the repository and
// fails the test, naming the fix, when node or the folder's modules are missing.
func nodeDir(t testing.TB, rel, module string) string {
	t.Helper()
	dir, err := testkit.NodeDir(rel, module)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}
