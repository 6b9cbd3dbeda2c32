package deploytest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// notesChart copies the chart into a temporary folder with NOTES.txt turned
// into a ConfigMap, because `helm template` never renders NOTES.txt and
// `helm install --dry-run` needs a cluster.
func notesChart(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "sidecast")
	copyTree(t, filepath.Join(repoRoot(t), chartDir), dst)
	notes := filepath.Join(dst, "templates", "NOTES.txt")
	body, err := os.ReadFile(notes)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"_notes.tpl": `{{- define "test.notes" -}}` + string(body) + `{{- end }}`,
		"notes.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ include \"test.notes\" . | quote }}\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dst, "templates", name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(notes); err != nil {
		t.Fatal(err)
	}
	return dst
}

// copyTree copies every regular file of src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == "node_modules" {
			return filepath.SkipDir
		}
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		copyFile(t, p, filepath.Join(dst, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestHelmNotes renders NOTES.txt for several value sets: it must render,
// say how to reach the Service, and never print a Redis URL that may hold a
// password.
func TestHelmNotes(t *testing.T) {
	chart := notesChart(t)
	tests := []struct {
		name   string
		sets   []string
		want   []string
		absent []string
	}{
		{"defaults", nil, []string{"port-forward svc/demo-sidecast", "redis:6379", "403", "No cluster.secret"}, nil},
		{"cluster secret", []string{"cluster.existingSecret=c"}, nil, []string{"No cluster.secret"}},
		{"URL with a password", []string{"redis.url=redis://:hunter2-pw@redis:6379", "admin.token=notes-admin-token-1"}, []string{"redis.url (not shown"}, []string{"hunter2-pw", "403"}},
		{"single pod without Redis", []string{"redis.host=", "replicaCount=1"}, []string{"in-memory bus"}, nil},
		{"TLS and ServiceMonitor", []string{"redis.tls.enabled=true", "serviceMonitor.enabled=true"}, []string{"(TLS)", "ServiceMonitor"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"template", "demo", chart, "--namespace", "chat", "--show-only", "templates/notes.yaml"}
			for _, s := range tt.sets {
				args = append(args, "--set", s)
			}
			out, err := helm(t, args...)
			if err != nil {
				t.Fatalf("render NOTES.txt: %v", err)
			}
			notes := string(out)
			for _, w := range tt.want {
				if !strings.Contains(notes, w) {
					t.Errorf("NOTES lack %q:\n%s", w, notes)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(notes, a) {
					t.Errorf("NOTES contain %q:\n%s", a, notes)
				}
			}
		})
	}
}
