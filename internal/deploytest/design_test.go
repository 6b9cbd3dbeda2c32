package deploytest

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const designDoc = "docs/design.md"

// stableSections are the section names of docs/design.md that code and
// documents cite; renaming one breaks their citations.
var stableSections = []string{
	"Contract", "Mirror sessions", "Handshake", "Barrier", "Relay", "Echo events",
	"Acks", "Lifecycle and repair", "Cost", "Membership order", "Silent servers",
	"Faithful client", "Protocols", "Sticky sessions", "Hot path", "Layout",
	"Configuration", "Operations", "Interface decisions",
}

// designSections lists the ## and ### headings of docs/design.md.
func designSections(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(readRepoFile(t, designDoc), "\n") {
		if h, ok := strings.CutPrefix(line, "### "); ok {
			out = append(out, h)
		} else if h, ok := strings.CutPrefix(line, "## "); ok {
			out = append(out, h)
		}
	}
	return out
}

// citedFiles are the repository's text files that may cite the design.
func citedFiles(t *testing.T) map[string]string {
	t.Helper()
	root := repoRoot(t)
	files := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "dist":
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(p) {
		case ".go", ".md", ".yaml", ".yml", ".tpl", ".txt", ".sh", ".js", ".json", ".conf", ".cfg":
		default:
			if base := filepath.Base(p); base != "Makefile" && base != "Dockerfile" {
				return nil
			}
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// commentBreak joins a citation wrapped over comment lines.
var commentBreak = regexp.MustCompile(`\s*\n\s*(//|#)?\s*`)

// TestDesignCitations: the design lives in the repository. No file cites
// the out-of-repository brief by paragraph number, and every citation of
// the design document (its file name, a comma, a section name) names a
// section the document has.
func TestDesignCitations(t *testing.T) {
	sections := designSections(t)
	for _, s := range stableSections {
		if !slices.Contains(sections, s) {
			t.Errorf("%s lacks the section %q that citations rely on", designDoc, s)
		}
	}
	// Longest first, so "Lifecycle and repair" is not read as a shorter name.
	slices.SortFunc(sections, func(a, b string) int { return len(b) - len(a) })
	oldCitation := "DESIGN " + "§"
	cited := 0
	for rel, text := range citedFiles(t) {
		if strings.Contains(text, oldCitation) {
			t.Errorf("%s cites %q, a document that is not in the repository; cite %s by section", rel, oldCitation, designDoc)
		}
		rest := text
		for {
			i := strings.Index(rest, designDoc+",")
			if i < 0 {
				break
			}
			rest = rest[i+len(designDoc)+1:]
			after := strings.TrimLeft(commentBreak.ReplaceAllString(rest[:min(len(rest), 80)], " "), " ")
			if !slices.ContainsFunc(sections, func(s string) bool { return strings.HasPrefix(after, s) }) {
				t.Errorf("%s cites %s, %q…: no such section", rel, designDoc, after[:min(len(after), 30)])
			}
			cited++
		}
	}
	if cited == 0 {
		t.Errorf("no file cites %s", designDoc)
	}
}
