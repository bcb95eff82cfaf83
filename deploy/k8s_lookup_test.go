package deploy_test

import (
	"encoding/json"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Small lookups.

func namespaced(o *objects) []metav1.Object {
	var all []metav1.Object
	add := func(objs ...metav1.Object) { all = append(all, objs...) }
	for _, x := range o.ServiceAccounts {
		add(x)
	}
	for _, x := range o.ConfigMaps {
		add(x)
	}
	for _, x := range o.Services {
		add(x)
	}
	for _, x := range o.Deployments {
		add(x)
	}
	for _, x := range o.StatefulSets {
		add(x)
	}
	for _, x := range o.Jobs {
		add(x)
	}
	for _, x := range o.HPAs {
		add(x)
	}
	for _, x := range o.PDBs {
		add(x)
	}
	for _, x := range o.NetworkPolicies {
		add(x)
	}
	for _, x := range o.ServiceMonitors {
		add(x)
	}
	return all
}

func findDeployment(o *objects, name string) *appsv1.Deployment {
	for _, d := range o.Deployments {
		if d.Name == name {
			return d
		}
	}
	return nil
}

func findStatefulSet(o *objects, name string) *appsv1.StatefulSet {
	for _, s := range o.StatefulSets {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func findService(o *objects, ns, name string) *corev1.Service {
	for _, s := range o.Services {
		if s.Name == name && s.Namespace == ns {
			return s
		}
	}
	return nil
}

func findSecret(o *objects, ns, name string) *corev1.Secret {
	for _, s := range o.Secrets {
		if s.Name == name && s.Namespace == ns {
			return s
		}
	}
	return nil
}

func findConfigMap(o *objects, ns, name string) *corev1.ConfigMap {
	for _, c := range o.ConfigMaps {
		if c.Name == name && c.Namespace == ns {
			return c
		}
	}
	return nil
}

func secretHasKey(s *corev1.Secret, key string) bool {
	_, inData := s.Data[key]
	_, inString := s.StringData[key]
	return inData || inString
}

func namedPort(c *corev1.Container, name string) *corev1.ContainerPort {
	for i := range c.Ports {
		if c.Ports[i].Name == name {
			return &c.Ports[i]
		}
	}
	return nil
}

// resolvePort turns a probe's port (a number or a container port name) into
// a number, or 0 when the name does not exist.
func resolvePort(c *corev1.Container, p intstr.IntOrString) int32 {
	if p.Type == intstr.Int {
		return p.IntVal
	}
	if cp := namedPort(c, p.StrVal); cp != nil {
		return cp.ContainerPort
	}
	return 0
}

func podHasPort(p *corev1.PodTemplateSpec, target intstr.IntOrString, servicePort int32) bool {
	if target.Type == intstr.Int && target.IntVal == 0 {
		target = intstr.FromInt32(servicePort)
	}
	for i := range p.Spec.Containers {
		c := &p.Spec.Containers[i]
		for _, cp := range c.Ports {
			if (target.Type == intstr.String && cp.Name == target.StrVal) || (target.Type == intstr.Int && cp.ContainerPort == target.IntVal) {
				return true
			}
		}
	}
	return false
}

func selectorLabels(s *metav1.LabelSelector) map[string]string {
	if s == nil {
		return nil
	}
	return s.MatchLabels
}

func mustSelector(t *testing.T, owner string, s *metav1.LabelSelector) labels.Selector {
	t.Helper()
	if s == nil {
		t.Errorf("%s: no selector", owner)
		return labels.Nothing()
	}
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		t.Errorf("%s: selector: %v", owner, err)
		return labels.Nothing()
	}
	return sel
}

func mustUnmarshal(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatal(err)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func ptrString[T any](p *T) string {
	if p == nil {
		return "unset"
	}
	b, _ := json.Marshal(*p)
	return string(b)
}
