package deploytest

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"gopkg.in/yaml.v3"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	sigsyaml "sigs.k8s.io/yaml"
)

// strictKinds are the Kubernetes types of the chart's built-in objects;
// a rendered field these types lack (a typo, a field in the wrong place)
// fails the decode. The ServiceMonitor and the PrometheusRule are CRDs and
// are checked by shape in helm_test.go and helm_monitoring_test.go instead.
var strictKinds = map[string]func() any{
	"Deployment":          func() any { return &appsv1.Deployment{} },
	"Service":             func() any { return &corev1.Service{} },
	"Secret":              func() any { return &corev1.Secret{} },
	"ServiceAccount":      func() any { return &corev1.ServiceAccount{} },
	"PodDisruptionBudget": func() any { return &policyv1.PodDisruptionBudget{} },
	"ConfigMap":           func() any { return &corev1.ConfigMap{} },
}

// checkStrictTypes decodes every rendered document into its Kubernetes API
// type, refusing unknown and duplicate fields.
func checkStrictTypes(t *testing.T, r rendered) {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader([]byte(r.text)))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("split rendered manifests: %v", err)
		}
		var head struct {
			Kind string `yaml:"kind"`
		}
		if err := doc.Decode(&head); err != nil || head.Kind == "" {
			continue
		}
		newObj, ok := strictKinds[head.Kind]
		if !ok {
			if head.Kind != "ServiceMonitor" && head.Kind != "PrometheusRule" {
				t.Errorf("rendered kind %s has no strict check", head.Kind)
			}
			continue
		}
		raw, err := yaml.Marshal(&doc)
		if err != nil {
			t.Fatalf("re-encode %s: %v", head.Kind, err)
		}
		if err := sigsyaml.UnmarshalStrict(raw, newObj()); err != nil {
			t.Errorf("%s does not match the Kubernetes API type: %v", head.Kind, err)
		}
	}
}

func TestStrictTypesCatchTypos(t *testing.T) {
	const bad = `apiVersion: apps/v1
kind: Deployment
metadata: {name: x}
spec:
  template:
    spec:
      terminationGracePeriodSecond: 45
      containers: [{name: a, image: b}]
`
	err := sigsyaml.UnmarshalStrict([]byte(bad), &appsv1.Deployment{})
	if err == nil {
		t.Fatal("a misspelt pod field decoded without error")
	}
	t.Logf("refused as expected: %v", err)
}
