package deploytest

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sidecast/sidecast/internal/syncbuf"
	"github.com/sidecast/sidecast/internal/testkit"
)

// TestExampleBackendImageOnHost replays examples/socketio-chat/Dockerfile
// on the host: `npm ci --omit=dev` on the copied package files, the copied
// sources, then the image's CMD with its ENV, and finally its HEALTHCHECK
// command, which must pass against the running server. Not replayed: the
// node:20-alpine base image (the host's node runs instead) and USER.
func TestExampleBackendImageOnHost(t *testing.T) {
	const dir = "examples/socketio-chat"
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: the example backend is a Node program (install nodejs and npm)", tool)
		}
	}
	stages := dockerfile(t, dir+"/Dockerfile")
	final := stages[len(stages)-1]
	env := imageEnv(final)
	if env["HOST"] != "0.0.0.0" {
		t.Errorf("the image sets HOST=%q; in a container the server must listen on 0.0.0.0", env["HOST"])
	}
	env["PORT"] = strconv.Itoa(testkit.FreePort(t))
	app := prepareBackendApp(t)
	cmds := final.find("CMD")
	argv, ok := execForm(cmds[len(cmds)-1].Args)
	if !ok {
		t.Fatalf("CMD %q is not in exec form", cmds[len(cmds)-1].Args)
	}
	startImageCmd(t, app, argv, env)

	hc := final.find("HEALTHCHECK")
	_, check, _ := strings.Cut(hc[0].Args, "CMD ")
	hcArgv, _ := execForm(check)
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := runWithEnv(app, hcArgv, env, 10*time.Second)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("HEALTHCHECK %q still failing after 30s: %v\n%s", hcArgv, err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// imageEnv collects the stage's ENV instructions (KEY=value form).
func imageEnv(st stage) map[string]string {
	env := map[string]string{}
	for _, in := range st.find("ENV") {
		for _, kv := range strings.Fields(in.Args) {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
	}
	return env
}

// environ is the host's environment with env laid over it.
func environ(env map[string]string) []string {
	out := os.Environ()
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

func runWithEnv(dir string, argv []string, env map[string]string, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, environ(env)
	return cmd.CombinedOutput()
}

// startImageCmd starts the image's command in dir and stops it when the
// test ends.
func startImageCmd(t *testing.T, dir string, argv []string, env map[string]string) {
	t.Helper()
	out := &syncbuf.Buffer{}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, environ(env)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %q: %v", argv, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("%q output:\n%s", argv, out)
		}
	})
}
