package deploytest

import (
	"errors"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// documentedEnv is sidecast's configuration interface as docs/design.md,
// Configuration and Interface decisions, and the README name it. A
// deployment artefact may only set these.
var documentedEnv = []string{
	// The reference deployment guide's names.
	"REDIS_URL", "REDIS_HOST", "REDIS_PORT", "REDIS_USERNAME", "REDIS_PASSWORD",
	"REDIS_TLS", "REDIS_TLS_CERT", "REDIS_TLS_KEY", "REDIS_TLS_CA",
	"REDIS_TLS_REJECT_UNAUTHORIZED", "REDIS_ENABLED", "REDIS_ADAPTER_KEY",
	"REDIS_REQUESTS_TIMEOUT", "SERVER_ID", "SERVER_PORT",
	// sidecast's own.
	"BACKEND_URL", "PROTOCOL", "MIRROR_EVENTS", "MIRROR_EVENT_REPLY",
	"LOCAL_EVENTS", "EVENT_FIELD", "METRICS_PORT", "HEALTH_PATH",
	"ADMIN_TOKEN", "LOG_LEVEL", "LOG_FORMAT", "DRAIN_TIMEOUT", "DRAIN_RATE",
	"ADVERTISE_URL", "TRUSTED_PROXIES", "CLUSTER_SECRET", "STICKY_COOKIE",
	"MAX_CONNECTIONS", "MAX_PAYLOAD", "HANDSHAKE_TIMEOUT", "WRITE_QUEUE_SIZE",
	"HEARTBEAT_INTERVAL", "HEARTBEAT_TTL", "DEMO_PORT", "SERVER_ADDR", "METRICS_ADDR", "PPROF",
}

// pendingEnv lists names the artefacts set that internal/config's Config does
// not declare yet, with the work that brings each. TestPendingEnvStillPending
// fails once a name lands, so this list only shrinks.
var pendingEnv = map[string]string{}

// configSourceDir is internal/config, the only package that reads the
// environment (house style).
const configSourceDir = "internal/config"

// configEnv maps every environment name declared by `env` struct tags in
// the Go source of dir (tests excluded) to its `envDefault`, with the
// prefixes that `envPrefix` tags put on nested structs, as caarlos0/env
// resolves them.
func configEnv(t *testing.T, dir string) map[string]string {
	t.Helper()
	structs := parseStructs(t, dir)
	nested := map[string]bool{}
	for _, st := range structs {
		for _, f := range st.Fields.List {
			if name := localTypeName(f.Type); structs[name] != nil {
				nested[name] = true
			}
		}
	}
	names := map[string]string{}
	for name, st := range structs {
		if !nested[name] {
			collectEnv(structs, st, "", names, 0)
		}
	}
	return names
}

// parseStructs maps each struct type declared in dir's non-test files that
// the build includes to its definition.
func parseStructs(t *testing.T, dir string) map[string]*ast.StructType {
	t.Helper()
	structs := map[string]*ast.StructType{}
	pkg, err := build.ImportDir(dir, 0)
	var noGo *build.NoGoError
	if errors.As(err, &noGo) {
		return structs
	}
	if err != nil {
		t.Fatalf("read Go package in %s: %v", dir, err)
	}
	fset := token.NewFileSet()
	for _, name := range pkg.GoFiles {
		file, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if ts, ok := n.(*ast.TypeSpec); ok {
				if st, ok := ts.Type.(*ast.StructType); ok {
					structs[ts.Name.Name] = st
				}
			}
			return true
		})
	}
	return structs
}

// collectEnv adds st's env names under prefix, descending into fields whose
// type is another struct of the package (env does so with or without an
// envPrefix tag).
func collectEnv(structs map[string]*ast.StructType, st *ast.StructType, prefix string, names map[string]string, depth int) {
	if depth > 8 {
		return // a self-referencing type; env would not descend either
	}
	for _, f := range st.Fields.List {
		tag := fieldTag(f)
		if inner := structs[localTypeName(f.Type)]; inner != nil {
			collectEnv(structs, inner, prefix+tag.Get("envPrefix"), names, depth+1)
			continue
		}
		name, _, _ := strings.Cut(tag.Get("env"), ",")
		if name != "" && name != "-" {
			names[prefix+name] = tag.Get("envDefault")
		}
	}
}

func fieldTag(f *ast.Field) reflect.StructTag {
	if f.Tag == nil {
		return ""
	}
	s, err := strconv.Unquote(f.Tag.Value)
	if err != nil {
		return ""
	}
	return reflect.StructTag(s)
}

// localTypeName is the name of a field type declared in the same package
// (T or *T), or "".
func localTypeName(e ast.Expr) string {
	if star, ok := e.(*ast.StarExpr); ok {
		e = star.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// sidecastEnv is the set of names an artefact may set: those internal/config's
// Config declares, plus the pending ones. It fails the test while it
// declares none, since then nothing can be checked.
func sidecastEnv(t *testing.T) map[string]bool {
	t.Helper()
	declared := configEnv(t, filepath.Join(repoRoot(t), configSourceDir))
	if len(declared) == 0 {
		t.Fatal("internal/config declares no `env` struct tags: sidecast's configuration struct " +
			"(config.go) is needed to check the deployment artefacts' environment names")
	}
	names := map[string]bool{}
	for name := range declared {
		names[name] = true
	}
	for name := range pendingEnv {
		names[name] = true
	}
	return names
}

// checkEnvNames fails for each name that is not documented or that sidecast
// does not read.
func checkEnvNames(t *testing.T, where string, names []string) {
	t.Helper()
	known := sidecastEnv(t)
	documented := map[string]bool{}
	for _, n := range documentedEnv {
		documented[n] = true
	}
	sort.Strings(names)
	for _, n := range names {
		if !documented[n] {
			t.Errorf("%s sets %s, which is not a documented sidecast variable (docs/design.md, Configuration)", where, n)
		}
		if !known[n] {
			t.Errorf("%s sets %s, which sidecast's Config does not read", where, n)
		}
	}
}

func TestPendingEnvStillPending(t *testing.T) {
	declared := configEnv(t, filepath.Join(repoRoot(t), configSourceDir))
	for name, why := range pendingEnv {
		if _, ok := declared[name]; ok {
			t.Errorf("%s is declared in internal/config now: remove it from pendingEnv (%s)", name, why)
		}
	}
}

func TestConfigEnvNamesFromSource(t *testing.T) {
	got := configEnv(t, filepath.Join("testdata", "configsrc"))
	want := []string{"A_PLAIN", "A_WITH_OPTS", "NESTED_INNER", "BARE_INNER", "PTR_INNER"}
	for _, n := range want {
		if _, ok := got[n]; !ok {
			t.Errorf("name %s not found; got %v", n, got)
		}
	}
	if got["A_WITH_OPTS"] != "1" || got["A_PLAIN"] != "" {
		t.Errorf("defaults %q %q, want 1 and empty", got["A_WITH_OPTS"], got["A_PLAIN"])
	}
	for _, n := range []string{"INNER", "SKIPPED", "-", "TEST_ONLY"} {
		if _, ok := got[n]; ok {
			t.Errorf("name %s should not be collected; got %v", n, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d names %v, want %d", len(got), got, len(want))
	}
}
