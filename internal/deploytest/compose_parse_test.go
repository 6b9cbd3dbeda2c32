package deploytest

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// composeFile is the part of the compose specification the tests read.
type composeFile struct {
	Name     string                    `yaml:"name"`
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image           string       `yaml:"image"`
	Build           composeBuild `yaml:"build"`
	Command         stringOrList `yaml:"command"`
	Environment     envMap       `yaml:"environment"`
	Ports           []string     `yaml:"ports"`
	Expose          []string     `yaml:"expose"`
	Volumes         []string     `yaml:"volumes"`
	DependsOn       dependsOn    `yaml:"depends_on"`
	NetworkMode     string       `yaml:"network_mode"`
	StopGracePeriod string       `yaml:"stop_grace_period"`
	Healthcheck     *struct {
		Test stringOrList `yaml:"test"`
	} `yaml:"healthcheck"`
}

// composeBuild is `build: path` or `build: {context, dockerfile}`.
type composeBuild struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
}

func (b *composeBuild) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		b.Context = n.Value
		return nil
	}
	type plain composeBuild
	return n.Decode((*plain)(b))
}

// stringOrList is a command in shell form (one string) or exec form (a
// list); String joins the list with spaces.
type stringOrList []string

func (s *stringOrList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = []string{n.Value}
		return nil
	}
	return n.Decode((*[]string)(s))
}

func (s stringOrList) String() string { return strings.Join(s, " ") }

// envMap is `environment:` as a map or as a list of NAME=value.
type envMap map[string]string

func (e *envMap) UnmarshalYAML(n *yaml.Node) error {
	*e = envMap{}
	if n.Kind == yaml.MappingNode {
		m := map[string]string{}
		if err := n.Decode(&m); err != nil {
			return err
		}
		for k, v := range m {
			(*e)[k] = v
		}
		return nil
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return err
	}
	for _, kv := range list {
		k, v, _ := strings.Cut(kv, "=")
		(*e)[k] = v
	}
	return nil
}

// names returns the variable names, sorted.
func (e envMap) names() []string {
	out := make([]string, 0, len(e))
	for k := range e {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// dependsOn is `depends_on:` as a list of services or a map of service to
// {condition}.
type dependsOn map[string]string

func (d *dependsOn) UnmarshalYAML(n *yaml.Node) error {
	*d = dependsOn{}
	if n.Kind == yaml.SequenceNode {
		var list []string
		if err := n.Decode(&list); err != nil {
			return err
		}
		for _, s := range list {
			(*d)[s] = "service_started"
		}
		return nil
	}
	var m map[string]struct {
		Condition string `yaml:"condition"`
	}
	if err := n.Decode(&m); err != nil {
		return err
	}
	for k, v := range m {
		(*d)[k] = v.Condition
	}
	return nil
}

// parseCompose interpolates the compose text with lookup, then decodes it,
// YAML anchors and merge keys included. Keys the tests do not read (restart,
// healthcheck timings, x- extensions) are ignored.
func parseCompose(src string, lookup func(string) (string, bool)) (*composeFile, error) {
	text, err := interpolate(src, lookup)
	if err != nil {
		return nil, fmt.Errorf("interpolate: %w", err)
	}
	var cf composeFile
	if err := yaml.Unmarshal([]byte(text), &cf); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return &cf, nil
}

// requirepass returns the password of a `redis-server --requirepass P`
// command, or "".
func requirepass(cmd stringOrList) string {
	f := strings.Fields(cmd.String())
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "--requirepass" {
			return f[i+1]
		}
	}
	return ""
}

func TestParseComposeForms(t *testing.T) {
	src := `
x-env: &env
  A: "1"
services:
  list:
    build: ./dir
    command: ["redis-server", "--requirepass", "${P:-pw}"]
    environment: ["K=v", "E="]
    depends_on: [other]
  mapped:
    build: {context: .., dockerfile: Dockerfile}
    command: redis-server --requirepass $$literal
    environment:
      <<: *env
      B: "2"
    depends_on:
      other: {condition: service_healthy}
`
	cf, err := parseCompose(src, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	l, m := cf.Services["list"], cf.Services["mapped"]
	checks := []struct {
		name      string
		got, want any
	}{
		{"build string", l.Build.Context, "./dir"},
		{"build map", m.Build.Dockerfile, "Dockerfile"},
		{"exec form password", requirepass(l.Command), "pw"},
		{"shell form password", requirepass(m.Command), "$literal"},
		{"env list", fmt.Sprint(l.Environment), "map[E: K:v]"},
		{"env merge key", fmt.Sprint(m.Environment), "map[A:1 B:2]"},
		{"depends list", l.DependsOn["other"], "service_started"},
		{"depends map", m.DependsOn["other"], "service_healthy"},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %v, want %v", c.got, c.want)
			}
		})
	}
}
