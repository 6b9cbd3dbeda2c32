package deploytest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/redistest"
	"github.com/sidecast/sidecast/internal/siotest"
	"github.com/sidecast/sidecast/internal/syncbuf"
	"github.com/sidecast/sidecast/internal/testkit"
)

// readmeCommand is one command of a fenced shell block (```sh, ```bash,
// ```shell) of a README: continuation lines joined, comments dropped.
type readmeCommand struct {
	file string // relative to the module root
	line int    // of the command's first line
	text string
}

var (
	shellFence    = regexp.MustCompile("(?ms)^```(sh|bash|shell)\n(.*?)^```")
	lineContinued = regexp.MustCompile(`\\\n[ \t]*`)
)

// readmeCommands extracts the commands of every README.md in the
// repository, outside node_modules.
func readmeCommands(t *testing.T) []readmeCommand {
	t.Helper()
	var out []readmeCommand
	for rel, text := range citedFiles(t) {
		if filepath.Base(rel) != "README.md" {
			continue
		}
		out = append(out, parseShellBlocks(rel, text)...)
	}
	slices.SortFunc(out, func(a, b readmeCommand) int {
		if c := strings.Compare(a.file, b.file); c != 0 {
			return c
		}
		return a.line - b.line
	})
	return out
}

func parseShellBlocks(file, text string) []readmeCommand {
	var out []readmeCommand
	for _, m := range shellFence.FindAllStringSubmatchIndex(text, -1) {
		body := text[m[4]:m[5]]
		line := strings.Count(text[:m[4]], "\n") + 1
		for _, raw := range strings.SplitAfter(body, "\n") {
			start := line
			line++
			cmd := strings.TrimSpace(raw)
			if cmd == "" || strings.HasPrefix(cmd, "#") {
				continue
			}
			if n := len(out); n > 0 && out[n-1].file == file && strings.HasSuffix(out[n-1].text, "\\") {
				out[n-1].text = lineContinued.ReplaceAllString(out[n-1].text+"\n"+cmd, "")
				continue
			}
			out = append(out, readmeCommand{file: file, line: start, text: cmd})
		}
	}
	return out
}

// commandRun says how the test runs one README command.
type commandRun struct {
	// exclude, when set, is why the command is not run.
	exclude string
	// dir is the working directory relative to the module root ("" is the
	// root); copyDir runs in a temporary copy of that folder instead, one
	// copy for all of a README's commands (npm ci in the tree would pull
	// node_modules from under tests running meanwhile).
	dir     string
	copyDir bool
	// setup starts what the command needs and returns extra environment
	// and textual replacements (fixed ports → free ones: this machine is
	// shared, and a busy port is not the README's fault). scratch is a
	// folder that lasts for every command of the test.
	setup func(t *testing.T, scratch string) (env []string, replace []string)
	// ready, for a command that runs until stopped: the output line that
	// says it serves; it is then stopped with SIGINT. Otherwise the command
	// must exit 0 within timeout, and check (if set) reads its output.
	ready   *regexp.Regexp
	timeout time.Duration
	check   func(t *testing.T, out string)
}

// readmeRuns is every fenced command of every README, keyed by file and
// command text: a new command fails the test until it is listed here, so
// what is excluded stays visible.
var readmeRuns = map[string]commandRun{
	"README.md\ngo run . demo": {
		ready: regexp.MustCompile(`(?m)^open http://127\.0\.0\.1:\d+/$`),
		setup: func(t *testing.T, scratch string) ([]string, []string) {
			return []string{"DEMO_PORT=0"}, nil // the README's own variant for a busy 8080
		},
	},
	"README.md\nmake test": {exclude: "the whole test suite, this test included"},
	"README.md\ngo install github.com/sidecast/sidecast@latest": {
		exclude: "names a non-loopback host: fetches the published module through the module proxy; `go install .` below builds the same command from the checkout",
	},
	"README.md\ngo install .":                                     goInstallRun(),
	"README.md\nmake release":                                     releaseRun.build,
	"README.md\ncd dist && sha256sum -c sidecast_*_checksums.txt": releaseRun.verify,
	"README.md\nBACKEND_URL=http://127.0.0.1:3001 SERVER_PORT=3000 PROTOCOL=socketio REDIS_URL=redis://app:secret@127.0.0.1:6379/0 MIRROR_EVENTS=join_twin_room,leave_twin_room LOCAL_EVENTS=welcome,new_message@from=system sidecast": {
		ready: regexp.MustCompile(`"msg":"sidecast listening"`),
		setup: func(t *testing.T, scratch string) ([]string, []string) {
			srv := redistest.Start(t, redistest.Config{Users: []string{"app on >secret ~* &* +@all"}})
			bin := buildSidecast(t)
			// The ops port's default, 9090, may be taken on a shared machine.
			env := []string{"PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH"), "METRICS_PORT=" + strconv.Itoa(testkit.FreePort(t))}
			return env, []string{"127.0.0.1:6379", srv.Addr(), "SERVER_PORT=3000", "SERVER_PORT=" + strconv.Itoa(testkit.FreePort(t)), "127.0.0.1:3001", "127.0.0.1:" + strconv.Itoa(testkit.FreePort(t))}
		},
	},
	"charts/sidecast/README.md\nkubectl create secret generic redis-secret --from-literal=password='…'": {
		exclude: "cluster command: needs a Kubernetes API server",
	},
	"charts/sidecast/README.md\nhelm install chat charts/sidecast --set app.image.repository=twinship/backend --set app.image.tag=1.4.2 --set app.port=3001 --set app.env.PORT=3001 --set redis.host=redis --set redis.existingSecret=redis-secret --set 'sidecast.mirrorEvents={join_twin_room,leave_twin_room}' --set 'sidecast.localEvents={welcome,room_joined,twin_online,twin_offline}'": {
		// A cluster command; the chart's own checks (values schema, clashing
		// ports) run at render time, so it is rendered with helm template.
		setup: func(t *testing.T, scratch string) ([]string, []string) {
			return nil, []string{"helm install", helmBinary(t) + " template"}
		},
		timeout: time.Minute,
	},
	"examples/loadtest/README.md\ngo run ./examples/loadtest -a http://127.0.0.1:3000 -b http://127.0.0.1:3001 -pairs 200 -rate 2000 -duration 10s": {
		setup:   loadtestPair,
		timeout: 4 * time.Minute,
		check: func(t *testing.T, out string) {
			var res struct{ Sent, Delivered int }
			last := out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:]
			if err := json.Unmarshal([]byte(last), &res); err != nil || res.Sent == 0 || res.Delivered == 0 {
				t.Errorf("no result line with messages sent and delivered (%v):\n%s", err, out)
			}
			t.Logf("loadtest result: %s", last)
		},
	},
	"examples/loadtest/README.md\n(cd examples/socketio-chat && npm ci) && (cd examples/loadtest/native && npm ci)": {
		exclude: "prepares bench.sh below (the native adapter's packages) and nothing else",
	},
	"examples/loadtest/README.md\nexamples/loadtest/bench.sh": {
		exclude: "benchmark: minutes at full load that want a quiet machine; not part of CI (the README says so)",
	},
	"examples/loadtest/README.md\ngo run ./examples/loadtest/plot -in examples/loadtest/plot/testdata/results.tsv -out bench.png -svg bench.svg": plotRun(),
	"examples/loadtest/README.md\nMODES=\"native nginx sidecast single\" NODES=4 REPEAT=5 PLOT_COPY=docs/bench-4nodes.png examples/loadtest/bench.sh": {
		exclude: "benchmark: minutes at full load that want a quiet machine; not part of CI",
	},
	"examples/loadtest/README.md\n(cd examples/loadtest/artillery && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci)": {
		exclude: "prepares the Artillery benchmark below and nothing else",
	},
	"examples/loadtest/README.md\nLEVELS= MODES=sidecast ARTILLERY=1 examples/loadtest/bench.sh": {
		exclude: "benchmark: the reference Artillery scenario, minutes at full load; not part of CI",
	},
	"examples/loadtest/README.md\nMODES=\"native nginx sidecast baseline\" NODES=2 LEVELS=\"2000 6000 9000 12000\" PAIRS=200 DURATION=8s DRAIN=2s REPEAT=5 BASELINE_BIN=path/to/b8bc9f5/sidecast examples/loadtest/bench.sh": {
		exclude: "benchmark record: the command that measured a table, with a placeholder for an earlier build",
	},
	"examples/loadtest/README.md\nMODES=\"native nginx sidecast\" NODES=2 LEVELS=\"18000 24000\" PAIRS=200 DURATION=8s DRAIN=2s REPEAT=3 STEADY_CONNECTS=0 examples/loadtest/bench.sh": {
		exclude: "benchmark record: the command that measured a table; minutes at full load, not part of CI",
	},
	"examples/loadtest/README.md\nMODES=\"native nginx sidecast\" NODES=4 LEVELS=\"1000 3000\" PAIRS=200 DURATION=8s DRAIN=2s REPEAT=5 examples/loadtest/bench.sh": {
		exclude: "benchmark record: the command that measured a table; minutes at full load, not part of CI",
	},
	"examples/loadtest/README.md\nMODES=\"baseline sidecast\" BASELINE_BIN=path/to/this/sidecast BASELINE_ENV= SIDECAST_ENV=GOMAXPROCS=1 LEVELS=\"2000 6000 9000\" PAIRS=200 DURATION=6s DRAIN=1s REPEAT=5 STEADY_CONNECTS=0 examples/loadtest/bench.sh": {
		exclude: "benchmark record: the command that measured a table, with a placeholder for an earlier build (here: this build, compared with itself under a setting)",
	},
	"examples/loadtest/README.md\nMODES=\"native baseline sidecast\" BASELINE_BIN=path/to/previous/sidecast REPEAT=3 LEVELS=\"500 2000 6000 9000 13000 17000 25000\" PROFILE_LEVEL=9000 examples/loadtest/bench.sh": {
		exclude: "benchmark record: the command that measured a table, with a placeholder for an earlier build",
	},
	"examples/loadtest/README.md\nMODES=\"native baseline sidecast\" BASELINE_BIN=path/to/previous/sidecast REPEAT=3 LEVELS=\"500 2000 6000 9000 13000 17000 21000 25000\" PROFILE_LEVEL=9000 examples/loadtest/bench.sh": {
		exclude: "benchmark record: the command that measured a table, with a placeholder for an earlier build",
	},
	"examples/loadtest/README.md\nMODES=\"native baseline sidecast\" BASELINE_BIN=path/to/previous/sidecast REPEAT=3 LEVELS=\"500 2000 6000 9000 13000 17000\" PROFILE_LEVEL=9000 examples/loadtest/bench.sh": {
		exclude: "benchmark record: the command that measured a table, with a placeholder for an earlier build",
	},
	"internal/e2e/README.md\ngo test -count=1 ./internal/e2e/": {
		exclude: "part of the test suite, which make test runs (minutes of real processes)",
	},
	"internal/e2e/README.md\ngo test -count=1 -run 'TestSticky' ./internal/e2e/": {
		exclude: "part of the test suite, which make test runs (nginx, HAProxy and three nodes)",
	},
	"examples/socketio-chat/README.md\nnpm ci": {dir: "examples/socketio-chat", copyDir: true, timeout: 3 * time.Minute},
	"examples/socketio-chat/README.md\nPORT=3001 node server.js": {
		dir: "examples/socketio-chat", copyDir: true,
		ready: regexp.MustCompile(`socketio-chat listening on http://`),
		setup: func(t *testing.T, scratch string) ([]string, []string) {
			return nil, []string{"PORT=3001", "PORT=" + strconv.Itoa(testkit.FreePort(t))}
		},
	},
}

// goInstallRun installs into a temporary GOBIN and reads the installed
// binary's build information.
func goInstallRun() commandRun {
	var gobin string
	return commandRun{
		timeout: 5 * time.Minute,
		setup: func(t *testing.T, scratch string) ([]string, []string) {
			gobin = t.TempDir()
			return []string{"GOBIN=" + gobin}, nil
		},
		check: func(t *testing.T, out string) {
			info, err := exec.Command("go", "version", "-m", filepath.Join(gobin, "sidecast")).CombinedOutput()
			if err != nil || !strings.Contains(string(info), "path\tgithub.com/sidecast/sidecast") {
				t.Errorf("go install . left no sidecast binary in GOBIN: %v\n%s", err, info)
			}
		},
	}
}

// plotRun draws the plot's fixture into the scratch folder, not the
// checkout, and wants both files there.
func plotRun() commandRun {
	var dir string
	return commandRun{
		timeout: 4 * time.Minute,
		setup: func(t *testing.T, scratch string) ([]string, []string) {
			dir = t.TempDir()
			return nil, []string{"-out bench.png", "-out " + filepath.Join(dir, "bench.png"), "-svg bench.svg", "-svg " + filepath.Join(dir, "bench.svg")}
		},
		check: func(t *testing.T, out string) {
			for _, name := range []string{"bench.png", "bench.svg"} {
				if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
					t.Errorf("the plot wrote no %s (%v):\n%s", name, err, out)
				}
			}
		},
	}
}

// releaseRun runs make release into a temporary DIST (the tree's dist/
// is left alone), and the checksum check in it.
var releaseRun = func() (r struct{ build, verify commandRun }) {
	var dist string
	r.build = commandRun{
		timeout: 10 * time.Minute,
		setup: func(t *testing.T, scratch string) ([]string, []string) {
			dist = filepath.Join(scratch, "dist")
			return []string{"DIST=" + dist}, nil
		},
	}
	r.verify = commandRun{
		setup: func(t *testing.T, scratch string) ([]string, []string) {
			if dist == "" {
				t.Fatal("make release did not run before the checksum check")
			}
			return nil, []string{"cd dist", "cd " + dist}
		},
		check: func(t *testing.T, out string) {
			if n := strings.Count(out, ": OK"); n != 4 {
				t.Errorf("sha256sum -c verified %d archives, want 4 (linux and darwin, amd64 and arm64):\n%s", n, out)
			}
		},
	}
	return r
}()

// loadtestPair starts what the generator's README describes at -a and -b:
// two sidecast nodes over a real redis-server, each in front of its own
// examples/socketio-chat, with that server's settings from the README.
func loadtestPair(t *testing.T, _ string) ([]string, []string) {
	bin := buildSidecast(t)
	rd := redistest.Start(t, redistest.Config{})
	var ports []string
	for _, id := range []string{"a", "b"} {
		backend := siotest.StartServer(t)
		port := strconv.Itoa(testkit.FreePort(t))
		p := startSidecastEnv(t, bin, map[string]string{
			"SERVER_ID": "readme-" + id, "SERVER_PORT": port, "METRICS_PORT": "0",
			"ADVERTISE_URL": "http://127.0.0.1:" + port, "BACKEND_URL": backend.URL,
			"PROTOCOL": "socketio", "REDIS_URL": rd.URL(),
			"MIRROR_EVENTS": "join_twin_room,leave_twin_room",
			"LOCAL_EVENTS":  "welcome,room_joined,twin_online,twin_offline",
		})
		p.health(t, "http://127.0.0.1:"+port+"/health", func(h map[string]any) bool {
			peers, _ := h["peers"].(float64)
			return h["backend"] == true && (id == "a" || peers == 1)
		})
		ports = append(ports, port)
	}
	return nil, []string{"127.0.0.1:3000", "127.0.0.1:" + ports[0], "127.0.0.1:3001", "127.0.0.1:" + ports[1]}
}

// TestREADMECommands runs every fenced shell command of every README, as
// readmeRuns says: to its exit, or until its ready line for one that serves
// until stopped. It lists what it excludes and why.
func TestREADMECommands(t *testing.T) {
	root := repoRoot(t)
	cmds := readmeCommands(t)
	seen := map[string]bool{}
	copies := map[string]string{} // folder → its copy, shared by the commands of a README
	scratch := t.TempDir()
	for _, c := range cmds {
		key := c.file + "\n" + c.text
		seen[key] = true
		run, ok := readmeRuns[key]
		name := fmt.Sprintf("%s:%d", c.file, c.line)
		if !ok {
			t.Errorf("%s: %q is not in readmeRuns: say how to run it, or why not", name, c.text)
			continue
		}
		if run.exclude != "" {
			t.Logf("excluded %s %q: %s", name, c.text, run.exclude)
			continue
		}
		dir := filepath.Join(root, run.dir)
		if run.copyDir {
			if copies[run.dir] == "" {
				copies[run.dir] = filepath.Join(t.TempDir(), filepath.Base(run.dir))
				copyTree(t, dir, copies[run.dir])
			}
			dir = copies[run.dir]
		}
		t.Run(name, func(t *testing.T) { runREADMECommand(t, dir, scratch, c, run) })
	}
	for key := range readmeRuns {
		if !seen[key] {
			t.Errorf("readmeRuns lists %q, which no README has any more", key)
		}
	}
}

func runREADMECommand(t *testing.T, dir, scratch string, c readmeCommand, run commandRun) {
	var env, replace []string
	if run.setup != nil {
		env, replace = run.setup(t, scratch)
	}
	text := strings.NewReplacer(replace...).Replace(c.text)
	if text != c.text {
		t.Logf("run as: %s", text)
	}
	timeout := run.timeout
	if timeout == 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.Command("bash", "-c", text)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out := &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, so go run's child or npm's node stop with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stopGroup := func(sig syscall.Signal) { _ = syscall.Kill(-cmd.Process.Pid, sig) }
	defer func() {
		stopGroup(syscall.SIGKILL)
		<-done
	}()
	if run.ready == nil {
		select {
		case err := <-done:
			done <- err
			if err != nil {
				t.Fatalf("%q: %v\n%s", text, err, out)
			}
		case <-ctx.Done():
			t.Fatalf("%q still running after %s:\n%s", text, timeout, out)
		}
		t.Logf("exit 0 after %s", time.Since(start).Round(time.Millisecond))
		if run.check != nil {
			run.check(t, out.String())
		}
		return
	}
	for !run.ready.MatchString(out.String()) {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("%q ended (%v) before its ready line %q:\n%s", text, err, run.ready, out)
		case <-ctx.Done():
			t.Fatalf("%q: no ready line %q within %s:\n%s", text, run.ready, timeout, out)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Logf("ready after %s", time.Since(start).Round(time.Millisecond))
	stopGroup(syscall.SIGINT)
	select {
	case err := <-done:
		done <- err
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Errorf("stop %q: %v", text, err)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("%q did not stop within 30s of SIGINT:\n%s", text, out)
	}
}

var shellBlockCases = []struct {
	name, text string
	want       []readmeCommand
}{
	{"continuations and comments", "intro\n```sh\n# a comment\nA=1 \\\n  B=2 \\\n  cmd\n\nnext --flag\n```\n",
		[]readmeCommand{{"X.md", 4, "A=1 B=2 cmd"}, {"X.md", 8, "next --flag"}}},
	{"untagged and other languages are not shell", "```\nnot shell\n```\n```js\nio.emit()\n```\n```bash\nlast\n```\n",
		[]readmeCommand{{"X.md", 8, "last"}}},
	{"shell and indented fence content", "```shell\n  make release\n```\n",
		[]readmeCommand{{"X.md", 2, "make release"}}},
	{"unclosed fence", "```sh\nnever closed\n", nil},
}

func TestParseShellBlocks(t *testing.T) {
	for _, tt := range shellBlockCases {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseShellBlocks("X.md", tt.text); !slices.Equal(got, tt.want) {
				t.Errorf("parseShellBlocks = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func FuzzParseShellBlocks(f *testing.F) {
	for _, tt := range shellBlockCases {
		f.Add(tt.text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		lines := strings.Count(text, "\n") + 1
		for _, c := range parseShellBlocks("X.md", text) {
			if c.text == "" || strings.HasPrefix(c.text, "#") || c.line < 1 || c.line > lines {
				t.Fatalf("command %+v from %q", c, text)
			}
		}
	})
}
