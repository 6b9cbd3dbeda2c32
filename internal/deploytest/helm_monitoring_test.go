package deploytest

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestHelmMonitoring: the chart ships the Grafana dashboard as a ConfigMap
// that Grafana's sidecar picks up by its label, with the file's exact
// content; the PrometheusRule is off by default and, when on, scoped to this
// release's Service.
func TestHelmMonitoring(t *testing.T) {
	dashboard := readRepoFile(t, dashboardFile)
	tests := []struct {
		name  string
		sets  []string
		check func(t *testing.T, r rendered)
	}{
		{"defaults: dashboard, no rule", nil, func(t *testing.T, r rendered) {
			checkStrictTypes(t, r)
			cm := r.one(t, "ConfigMap", nil)
			if cm.Metadata.Labels["grafana_dashboard"] != "1" {
				t.Errorf("dashboard ConfigMap labels %v lack grafana_dashboard: \"1\"", cm.Metadata.Labels)
			}
			if got := cm.Data["sidecast.json"]; strings.TrimSpace(got) != strings.TrimSpace(dashboard) {
				t.Errorf("the ConfigMap's sidecast.json (%d bytes) is not %s (%d bytes)", len(got), dashboardFile, len(dashboard))
			}
			if !json.Valid([]byte(cm.Data["sidecast.json"])) {
				t.Error("the ConfigMap's sidecast.json is not valid JSON")
			}
			if n := len(r.byKind["PrometheusRule"]); n != 0 {
				t.Errorf("%d PrometheusRules rendered by default, want none", n)
			}
		}},
		{"dashboard off", []string{"grafanaDashboard.enabled=false"}, func(t *testing.T, r rendered) {
			if n := len(r.byKind["ConfigMap"]); n != 0 {
				t.Errorf("%d ConfigMaps with grafanaDashboard.enabled=false", n)
			}
		}},
		{"rule on", []string{"prometheusRule.enabled=true", "prometheusRule.labels.release=prometheus"}, func(t *testing.T, r rendered) {
			checkStrictTypes(t, r)
			obj := r.one(t, "PrometheusRule", nil)
			if obj.APIVersion != "monitoring.coreos.com/v1" || obj.Metadata.Labels["release"] != "prometheus" {
				t.Errorf("PrometheusRule %s with labels %v", obj.APIVersion, obj.Metadata.Labels)
			}
			var spec struct {
				Groups []struct {
					Rules []struct {
						Alert       string            `yaml:"alert"`
						Expr        string            `yaml:"expr"`
						For         string            `yaml:"for"`
						Labels      map[string]string `yaml:"labels"`
						Annotations map[string]string `yaml:"annotations"`
					} `yaml:"rules"`
				} `yaml:"groups"`
			}
			r.one(t, "PrometheusRule", &spec)
			for _, g := range spec.Groups {
				for _, rule := range g.Rules {
					if !strings.Contains(rule.Expr, `namespace="chat", service="demo-sidecast"`) {
						t.Errorf("%s: %q is not scoped to the release's Service", rule.Alert, rule.Expr)
					}
					if rule.For == "" || rule.Labels["severity"] == "" || rule.Annotations["summary"] == "" {
						t.Errorf("%s lacks for, severity or summary: %+v", rule.Alert, rule)
					}
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, renderChart(t, tt.sets...)) })
	}
}
