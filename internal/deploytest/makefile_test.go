package deploytest

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// makeRecipe returns the recipe lines of a Makefile target, joined with
// their continuation lines, tabs stripped.
func makeRecipe(t *testing.T, target string) string {
	t.Helper()
	lines := strings.Split(readRepoFile(t, "Makefile"), "\n")
	for i, line := range lines {
		if !strings.HasPrefix(line, target+":") {
			continue
		}
		var recipe []string
		for _, l := range lines[i+1:] {
			if !strings.HasPrefix(l, "\t") {
				break
			}
			recipe = append(recipe, strings.TrimSpace(l))
		}
		return strings.Join(recipe, "\n")
	}
	t.Fatalf("the Makefile has no target %s", target)
	return ""
}

// makeVariable returns the right-hand side of a Makefile variable assigned
// with :=, ?= or =.
func makeVariable(t *testing.T, name string) string {
	t.Helper()
	for _, line := range strings.Split(readRepoFile(t, "Makefile"), "\n") {
		for _, op := range []string{" := ", " ?= ", " = "} {
			if v, ok := strings.CutPrefix(line, name+op); ok {
				return v
			}
		}
	}
	t.Fatalf("the Makefile does not set %s", name)
	return ""
}

// TestImageNameMatchesChart: make image tags what the Helm chart runs by
// default: the chart's sidecast.image.repository, tagged with the release
// version without its "v", as the chart's appVersion is written.
func TestImageNameMatchesChart(t *testing.T) {
	var values struct {
		Sidecast struct {
			Image struct {
				Repository string `yaml:"repository"`
				Tag        string `yaml:"tag"`
			} `yaml:"image"`
		} `yaml:"sidecast"`
	}
	if err := yaml.Unmarshal([]byte(readRepoFile(t, chartDir+"/values.yaml")), &values); err != nil {
		t.Fatal(err)
	}
	var chart struct {
		AppVersion string `yaml:"appVersion"`
	}
	if err := yaml.Unmarshal([]byte(readRepoFile(t, chartDir+"/Chart.yaml")), &chart); err != nil {
		t.Fatal(err)
	}
	if got := makeVariable(t, "IMAGE"); got != values.Sidecast.Image.Repository {
		t.Errorf("make image builds %s, the chart runs %s", got, values.Sidecast.Image.Repository)
	}
	if values.Sidecast.Image.Tag != "" {
		t.Errorf("the chart pins sidecast.image.tag %q instead of its appVersion", values.Sidecast.Image.Tag)
	}
	if got := makeVariable(t, "IMAGE_TAG"); got != "$(patsubst v%,%,$(VERSION))" {
		t.Errorf("IMAGE_TAG = %s, want the version without its v", got)
	}
	if strings.HasPrefix(chart.AppVersion, "v") || chart.AppVersion == "" {
		t.Errorf("appVersion %q: want a version without v, as make image tags", chart.AppVersion)
	}
	if !strings.Contains(makeRecipe(t, "image"), "-t $(IMAGE):$(IMAGE_TAG)") {
		t.Error("make image does not tag $(IMAGE):$(IMAGE_TAG)")
	}
}
