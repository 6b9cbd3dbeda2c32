package deploytest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"
)

// k8sObject is one rendered manifest; Spec is decoded per kind.
type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Spec yaml.Node         `yaml:"spec"`
	Data map[string]string `yaml:"data"`
}

type deploymentSpec struct {
	Replicas int           `yaml:"replicas"`
	Selector labelSelector `yaml:"selector"`
	Template struct {
		Metadata struct {
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"metadata"`
		Spec podSpec `yaml:"spec"`
	} `yaml:"template"`
}

type labelSelector struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
}

type podSpec struct {
	TerminationGracePeriodSeconds int         `yaml:"terminationGracePeriodSeconds"`
	EnableServiceLinks            *bool       `yaml:"enableServiceLinks"`
	Containers                    []container `yaml:"containers"`
	Volumes                       []struct {
		Name   string `yaml:"name"`
		Secret *struct {
			SecretName string `yaml:"secretName"`
		} `yaml:"secret"`
	} `yaml:"volumes"`
}

type container struct {
	Name  string `yaml:"name"`
	Image string `yaml:"image"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	Env       []envVar `yaml:"env"`
	Lifecycle *struct {
		PreStop *handler `yaml:"preStop"`
	} `yaml:"lifecycle"`
	ReadinessProbe *handler `yaml:"readinessProbe"`
	LivenessProbe  *handler `yaml:"livenessProbe"`
	VolumeMounts   []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
	SecurityContext *struct {
		RunAsNonRoot *bool `yaml:"runAsNonRoot"`
		RunAsUser    *int  `yaml:"runAsUser"`
	} `yaml:"securityContext"`
}

type envVar struct {
	Name      string `yaml:"name"`
	Value     string `yaml:"value"`
	ValueFrom *struct {
		SecretKeyRef *struct {
			Name string `yaml:"name"`
			Key  string `yaml:"key"`
		} `yaml:"secretKeyRef"`
		FieldRef *struct {
			FieldPath string `yaml:"fieldPath"`
		} `yaml:"fieldRef"`
	} `yaml:"valueFrom"`
}

// handler is a probe or lifecycle hook.
type handler struct {
	Sleep *struct {
		Seconds int `yaml:"seconds"`
	} `yaml:"sleep"`
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
	Exec *struct {
		Command []string `yaml:"command"`
	} `yaml:"exec"`
}

type serviceSpec struct {
	Type            string            `yaml:"type"`
	SessionAffinity string            `yaml:"sessionAffinity"`
	Selector        map[string]string `yaml:"selector"`
	Ports           []struct {
		Name       string `yaml:"name"`
		Port       int    `yaml:"port"`
		TargetPort string `yaml:"targetPort"`
	} `yaml:"ports"`
}

type pdbSpec struct {
	MaxUnavailable string        `yaml:"maxUnavailable"`
	MinAvailable   string        `yaml:"minAvailable"`
	Selector       labelSelector `yaml:"selector"`
}

type serviceMonitorSpec struct {
	Selector  labelSelector `yaml:"selector"`
	Endpoints []struct {
		Port string `yaml:"port"`
		Path string `yaml:"path"`
	} `yaml:"endpoints"`
}

// rendered is a chart rendering: its objects by kind and its raw text.
type rendered struct {
	byKind map[string][]k8sObject
	text   string
}

// one returns the single object of a kind, decoding its spec into spec.
func (r rendered) one(t *testing.T, kind string, spec any) k8sObject {
	t.Helper()
	objs := r.byKind[kind]
	if len(objs) != 1 {
		t.Fatalf("rendered %d %s objects, want 1", len(objs), kind)
	}
	if spec != nil {
		if err := objs[0].Spec.Decode(spec); err != nil {
			t.Fatalf("%s spec: %v", kind, err)
		}
	}
	return objs[0]
}

func decodeManifests(out []byte) (rendered, error) {
	r := rendered{byKind: map[string][]k8sObject{}, text: string(out)}
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var obj k8sObject
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return r, nil
		}
		if err != nil {
			return r, fmt.Errorf("decode rendered manifests: %w", err)
		}
		if obj.Kind != "" {
			r.byKind[obj.Kind] = append(r.byKind[obj.Kind], obj)
		}
	}
}

// helmBinary finds helm: SIDECAST_HELM, else the copy .ci/helm.sh builds
// into the user cache folder, else PATH. Its absence fails the test.
func helmBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SIDECAST_HELM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("SIDECAST_HELM=%s: %v", p, err)
		}
		return p
	}
	if dir, err := os.UserCacheDir(); err == nil {
		p := filepath.Join(dir, "sidecast-ci", "bin", "helm")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("helm"); err == nil {
		return p
	}
	t.Fatal("helm not found: run .ci/helm.sh once (it builds helm into the user cache folder), " +
		"or set SIDECAST_HELM to a helm binary")
	return ""
}

// helm runs the helm binary in the module root.
func helm(t *testing.T, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(helmBinary(t), args...)
	cmd.Dir = repoRoot(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		// Only helm's own words: the arguments would echo the values a
		// test looks for in the message.
		return out, fmt.Errorf("helm %s: %w: %s", args[0], err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}
