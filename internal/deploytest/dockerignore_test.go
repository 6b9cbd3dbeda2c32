package deploytest

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// ignoreRule is one .dockerignore line: a pattern, possibly negated.
type ignoreRule struct {
	re     *regexp.Regexp
	negate bool
}

// parseDockerignore compiles .dockerignore lines the way the builder reads
// them: paths relative to the context root, `*` and `?` within one path
// element, `**` across elements, `!` re-including, the last match winning,
// and a matched directory excluding everything below it.
func parseDockerignore(src string) []ignoreRule {
	var rules []ignoreRule
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		neg := strings.HasPrefix(line, "!")
		line = strings.TrimPrefix(line, "!")
		p := strings.TrimPrefix(path.Clean("/"+strings.TrimSpace(line)), "/")
		rules = append(rules, ignoreRule{re: globRegexp(p), negate: neg})
	}
	return rules
}

// globRegexp turns a cleaned pattern into a regexp that also matches
// anything below a matching directory.
func globRegexp(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRuneInString(p[i:])
		switch {
		case strings.HasPrefix(p[i:], "**/"):
			b.WriteString("(?:.*/)?")
			size = 3
		case strings.HasPrefix(p[i:], "**"):
			b.WriteString(".*")
			size = 2
		case r == '*':
			b.WriteString("[^/]*")
		case r == '?':
			b.WriteString("[^/]")
		default:
			// An invalid byte becomes U+FFFD, which is also how the
			// regexp reads that byte in a path.
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
		i += size
	}
	b.WriteString("(?:/.*)?$")
	return regexp.MustCompile(b.String())
}

// ignored reports whether the slash-separated path (relative to the
// context root) is left out of the build context.
func ignored(rules []ignoreRule, rel string) bool {
	out := false
	for _, r := range rules {
		if r.re.MatchString(rel) {
			out = !r.negate
		}
	}
	return out
}

func TestDockerignoreMatcher(t *testing.T) {
	rules := parseDockerignore("# comment\n.git\n**/node_modules\n/bin\nexamples/nginx\n*.md\n!README.md\n")
	tests := []struct {
		path string
		want bool
	}{
		{".git", true},
		{".git/config", true},
		{".github/workflow.yml", false},
		{"node_modules/x/index.js", true},
		{"examples/socketio-chat/node_modules/a.js", true},
		{"bin/sidecast", true},
		{"cmd/bin/x.go", false},
		{"examples/nginx/nginx.conf", true},
		{"examples/nginxish/a.go", false},
		{"NOTES.md", true},
		{"README.md", false},
		{"docs/a.md", false},
		{"main.go", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := ignored(rules, tt.path); got != tt.want {
				t.Errorf("ignored(%q) = %v, want %v", tt.path, got, tt.want)
			}
		})
	}
}

// embedPattern finds //go:embed directives.
var embedPattern = regexp.MustCompile(`(?m)^//go:embed\s+(.+)$`)

// TestDockerignoreKeepsBuildInputs walks the module and fails for any file
// the Go build reads (go.mod, go.sum, non-test Go files, go:embed targets)
// that .dockerignore leaves out of the image's build context.
func TestDockerignoreKeepsBuildInputs(t *testing.T) {
	root := repoRoot(t)
	rules := parseDockerignore(readRepoFile(t, ".dockerignore"))
	for _, need := range []string{"go.mod", "go.sum"} {
		if ignored(rules, need) {
			t.Errorf(".dockerignore excludes %s", need)
		}
	}
	checked := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && p != root && (name == "node_modules" || name == "testdata" || strings.HasPrefix(name, ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		checked++
		if ignored(rules, filepath.ToSlash(rel)) {
			t.Errorf(".dockerignore excludes %s, which the Go build may need", rel)
		}
		checkEmbeds(t, rules, root, p)
		return nil
	})
	if err != nil {
		t.Fatalf("walk the module: %v", err)
	}
	if checked == 0 {
		t.Fatal("found no Go files to check")
	}
	t.Logf("%d Go files checked against .dockerignore", checked)
}

// checkEmbeds fails for go:embed targets of file that the context lacks.
func checkEmbeds(t *testing.T, rules []ignoreRule, root, file string) {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	for _, m := range embedPattern.FindAllStringSubmatch(string(src), -1) {
		for _, pat := range strings.Fields(m[1]) {
			pat = strings.TrimPrefix(strings.Trim(pat, "`\""), "all:")
			matches, _ := filepath.Glob(filepath.Join(filepath.Dir(file), pat))
			for _, hit := range matches {
				rel, _ := filepath.Rel(root, hit)
				if ignored(rules, filepath.ToSlash(rel)) {
					t.Errorf(".dockerignore excludes %s, embedded by %s", rel, file)
				}
			}
		}
	}
}

// FuzzParseDockerignore: any input compiles, and a line naming a plain
// path ignores that path and everything below it.
func FuzzParseDockerignore(f *testing.F) {
	f.Add(".git\n**/node_modules\n", "a/node_modules/b")
	f.Fuzz(func(t *testing.T, src, p string) {
		rules := parseDockerignore(src)
		_ = ignored(rules, p)
		if p == "" || strings.ContainsAny(p, "*?[]\\!#\n\r") {
			return
		}
		clean := strings.TrimPrefix(path.Clean("/"+p), "/")
		// A .dockerignore line loses its surrounding white space, so a path
		// that starts or ends with it cannot be named; cleaning can expose
		// a trailing space ("a /" becomes "a ").
		if clean == "" || clean == "." || strings.TrimSpace(clean) != clean {
			return
		}
		rules = parseDockerignore(clean)
		if !ignored(rules, clean) || !ignored(rules, clean+"/below") {
			t.Errorf("pattern %q does not ignore itself or what is below it", clean)
		}
	})
}
