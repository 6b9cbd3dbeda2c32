package deploytest

import (
	"encoding/json"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// lockVersion reads a package's version from a committed package-lock.json.
func lockVersion(t *testing.T, lockDir, pkg string) string {
	t.Helper()
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	if err := json.Unmarshal([]byte(readRepoFile(t, lockDir+"/package-lock.json")), &lock); err != nil {
		t.Fatalf("%s/package-lock.json: %v", lockDir, err)
	}
	v := lock.Packages["node_modules/"+pkg].Version
	if v == "" {
		t.Fatalf("%s/package-lock.json does not pin %s", lockDir, pkg)
	}
	return v
}

// toolVersion runs a command and returns the first submatch of re in its
// output.
func toolVersion(t *testing.T, re string, argv ...string) string {
	t.Helper()
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	m := regexp.MustCompile(re).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("%s printed %q, no version matching %s", strings.Join(argv, " "), out, re)
	}
	return m[1]
}

// TestSupportedVersions: the README's "tested" column names the versions
// the tests really run: the test peers' package-lock.json files, the
// redis-server, Node.js and Go of this machine, go.mod's go line.
func TestSupportedVersions(t *testing.T) {
	readme := readRepoFile(t, "README.md")
	_, section, ok := strings.Cut(readme, "\n## Supported versions\n")
	if !ok {
		t.Fatal("README.md has no Supported versions section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	goMod := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(readRepoFile(t, "go.mod"))
	if goMod == nil {
		t.Fatal("go.mod has no go line")
	}
	want := []struct {
		what, text string
	}{
		{"the test peers' socket.io-client", "`socket.io-client` " + lockVersion(t, "internal/siotest/peer", "socket.io-client")},
		{"the example server's socket.io", "`socket.io` " + lockVersion(t, "examples/socketio-chat", "socket.io")},
		{"the example server's engine.io", "`engine.io` " + lockVersion(t, "examples/socketio-chat", "engine.io")},
		{"the conformance reference's engine.io", "`engine.io` " + lockVersion(t, "internal/conformance/peer", "engine.io") + ", the reference"},
		{"the conformance reference's socket.io", "`socket.io` " + lockVersion(t, "internal/conformance/peer", "socket.io") + " for the Socket.IO table"},
		{"the notice server's socket.io", "`socket.io` " + lockVersion(t, "examples/socketio-notice", "socket.io")},
		{"the benchmark's adapter", "| any: the names never collide | " + lockVersion(t, "examples/loadtest/native", "@socket.io/redis-adapter")},
		{"the benchmark's redis client", "`redis` " + lockVersion(t, "examples/loadtest/native", "redis")},
		{"redis-server", "Redis " + toolVersion(t, `v=(\d+\.\d+)`, "redis-server", "--version")},
		{"Node.js", "Node.js " + toolVersion(t, `^v(\d+)\.`, "node", "--version")},
		{"go.mod", "| Go (to build) | " + goMod[1] + " or later"},
		{"this Go", "the Go of the test machine, " + regexp.MustCompile(`^go(\d+\.\d+)`).FindStringSubmatch(runtime.Version())[1]},
	}
	for _, w := range want {
		if !strings.Contains(section, w.text) {
			t.Errorf("Supported versions does not say %q (%s)", w.text, w.what)
		}
	}
	if !strings.Contains(readme, "go install github.com/sidecast/sidecast@latest") {
		t.Error("README.md does not give go install github.com/sidecast/sidecast@latest")
	}
}
