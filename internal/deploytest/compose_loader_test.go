package deploytest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// loadWithCompose loads a compose file with Docker Compose's own loader
// (schema validation, interpolation, merge keys, path resolution), relative
// paths taken from the examples folder and an empty environment.
func loadWithCompose(t *testing.T, file string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{file},
		cli.WithName("twinship"),
		cli.WithWorkingDirectory(filepath.Join(repoRoot(t), "examples")),
		cli.WithEnv(nil),
	)
	if err != nil {
		t.Fatalf("compose options: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return opts.LoadProject(ctx)
}

// TestComposeLoader loads the example with the compose loader and checks
// that this package's reading of it (which the other compose tests use)
// agrees with Compose's own.
func TestComposeLoader(t *testing.T) {
	project, err := loadWithCompose(t, filepath.Join(repoRoot(t), composePath))
	if err != nil {
		t.Fatalf("the compose loader rejects %s: %v", composePath, err)
	}
	mine := loadCompose(t, noEnv)
	if len(project.Services) != len(mine.Services) {
		t.Errorf("compose loads %d services, this package reads %d", len(project.Services), len(mine.Services))
	}
	for name, want := range mine.Services {
		t.Run(name, func(t *testing.T) {
			got, ok := project.Services[name]
			if !ok {
				t.Fatalf("compose does not load service %s", name)
			}
			compareService(t, got, want)
		})
	}
}

func compareService(t *testing.T, got types.ServiceConfig, want composeService) {
	t.Helper()
	env := map[string]string{}
	for k, v := range got.Environment {
		if v != nil {
			env[k] = *v
		}
	}
	if !mapsEqual(env, want.Environment) {
		t.Errorf("environment: compose %v, this package %v", env, want.Environment)
	}
	if strings.Join(got.Command, " ") != want.Command.String() {
		t.Errorf("command: compose %q, this package %q", got.Command, want.Command.String())
	}
	for dep, cond := range want.DependsOn {
		if got.DependsOn[dep].Condition != cond {
			t.Errorf("depends_on %s: compose %q, this package %q", dep, got.DependsOn[dep].Condition, cond)
		}
	}
	if f := composeDockerfile(want); f != "" {
		if got.Build == nil || filepath.Join(got.Build.Context, got.Build.Dockerfile) != filepath.Join(repoRoot(t), f) {
			t.Errorf("build: compose %+v, this package %s", got.Build, f)
		}
	}
	if want.StopGracePeriod != "" {
		d, _ := time.ParseDuration(want.StopGracePeriod)
		if got.StopGracePeriod == nil || time.Duration(*got.StopGracePeriod) != d {
			t.Errorf("stop_grace_period: compose %v, this package %s", got.StopGracePeriod, want.StopGracePeriod)
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestComposeLoaderRejectsMistakes shows the loader validates: a misspelt
// key or condition in a copy of the example is refused.
func TestComposeLoaderRejectsMistakes(t *testing.T) {
	src := readRepoFile(t, composePath)
	tests := []struct{ name, old, new, want string }{
		{"misspelt key", "    command: redis-server", "    comand: redis-server", "comand"},
		{"unknown condition", "condition: service_healthy", "condition: service_heathy", "condition"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(src, tt.old) {
				t.Fatalf("%s no longer contains %q", composePath, tt.old)
			}
			file := filepath.Join(t.TempDir(), "docker-compose.yml")
			if err := os.WriteFile(file, []byte(strings.Replace(src, tt.old, tt.new, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := loadWithCompose(t, file)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("loader error %v, want one naming %s", err, tt.want)
			}
		})
	}
}
