package demo

import (
	"io/fs"
	"regexp"
	"testing"
)

// TestDemoPageAssets: the embedded page refers to nothing outside itself —
// no absolute or protocol-relative URL in a src, href, url() or import —
// and every file it refers to is embedded.
func TestDemoPageAssets(t *testing.T) {
	external := regexp.MustCompile(`(?i)(?:src|href)\s*=\s*["']?\s*(?:[a-z]+:)?//|url\(\s*["']?\s*(?:[a-z]+:)?//|@import|import\s*\(`)
	local := regexp.MustCompile(`(?:src|href)="([^"]+)"`)
	err := fs.WalkDir(demoWeb, "web", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(demoWeb, path)
		if err != nil {
			return err
		}
		if m := external.Find(raw); m != nil {
			t.Errorf("%s refers to another site: %q", path, m)
		}
		for _, ref := range local.FindAllSubmatch(raw, -1) {
			if _, err := fs.Stat(demoWeb, "web/"+string(ref[1])); err != nil {
				t.Errorf("%s refers to %s, which is not embedded", path, ref[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
