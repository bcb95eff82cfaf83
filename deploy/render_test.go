package deploy_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// k8sDir is deploy/k8s, relative to this package's directory (go test runs
// tests there).
const k8sDir = "k8s"

// decoder decodes typed Kubernetes objects strictly: unknown and duplicate
// fields are errors, so a misspelt or misplaced field fails the test instead
// of being silently dropped by the API server.
var decoder = func() runtime.Decoder {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme,
		autoscalingv2.AddToScheme, policyv1.AddToScheme, networkingv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	return serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()
}()

// ServiceMonitor is the part of prometheus-operator's monitoring.coreos.com/v1
// ServiceMonitor that the manifests use. It is decoded strictly too, so a
// field outside this subset has to be added here on purpose.
type ServiceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		JobLabel          string               `json:"jobLabel"`
		PodTargetLabels   []string             `json:"podTargetLabels"`
		Selector          metav1.LabelSelector `json:"selector"`
		NamespaceSelector *struct {
			MatchNames []string `json:"matchNames"`
		} `json:"namespaceSelector"`
		Endpoints []struct {
			Port          string `json:"port"`
			Path          string `json:"path"`
			Interval      string `json:"interval"`
			ScrapeTimeout string `json:"scrapeTimeout"`
		} `json:"endpoints"`
	} `json:"spec"`
}

// objects is one rendered kustomization, sorted by kind.
type objects struct {
	Namespaces      []*corev1.Namespace
	ServiceAccounts []*corev1.ServiceAccount
	ConfigMaps      []*corev1.ConfigMap
	Secrets         []*corev1.Secret
	Services        []*corev1.Service
	Deployments     []*appsv1.Deployment
	StatefulSets    []*appsv1.StatefulSet
	Jobs            []*batchv1.Job
	HPAs            []*autoscalingv2.HorizontalPodAutoscaler
	PDBs            []*policyv1.PodDisruptionBudget
	NetworkPolicies []*networkingv1.NetworkPolicy
	ServiceMonitors []*ServiceMonitor
}

// merge adds o2's objects to o's.
func (o *objects) merge(o2 *objects) {
	o.Namespaces = append(o.Namespaces, o2.Namespaces...)
	o.ServiceAccounts = append(o.ServiceAccounts, o2.ServiceAccounts...)
	o.ConfigMaps = append(o.ConfigMaps, o2.ConfigMaps...)
	o.Secrets = append(o.Secrets, o2.Secrets...)
	o.Services = append(o.Services, o2.Services...)
	o.Deployments = append(o.Deployments, o2.Deployments...)
	o.StatefulSets = append(o.StatefulSets, o2.StatefulSets...)
	o.Jobs = append(o.Jobs, o2.Jobs...)
	o.HPAs = append(o.HPAs, o2.HPAs...)
	o.PDBs = append(o.PDBs, o2.PDBs...)
	o.NetworkPolicies = append(o.NetworkPolicies, o2.NetworkPolicies...)
	o.ServiceMonitors = append(o.ServiceMonitors, o2.ServiceMonitors...)
}

// render builds the kustomization in dir (relative to deploy/k8s) with
// kustomize's Go API, as "kubectl kustomize" does, and decodes every object.
func render(t *testing.T, dir string) *objects {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resMap, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join(k8sDir, dir))
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	o := &objects{}
	for _, r := range resMap.Resources() {
		doc, err := r.AsYAML()
		if err != nil {
			t.Fatalf("%s: %s: %v", dir, r.CurId(), err)
		}
		if err := o.add(doc); err != nil {
			t.Errorf("%s: %s: %v", dir, r.CurId(), err)
		}
	}
	return o
}

func (o *objects) add(doc []byte) error {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return err
	}
	if tm.APIVersion == "monitoring.coreos.com/v1" && tm.Kind == "ServiceMonitor" {
		sm := &ServiceMonitor{}
		if err := yaml.UnmarshalStrict(doc, sm); err != nil {
			return fmt.Errorf("strict decoding: %w", err)
		}
		o.ServiceMonitors = append(o.ServiceMonitors, sm)
		return nil
	}
	obj, _, err := decoder.Decode(doc, nil, nil)
	if err != nil {
		return fmt.Errorf("strict decoding: %w", err)
	}
	switch v := obj.(type) {
	case *corev1.Namespace:
		o.Namespaces = append(o.Namespaces, v)
	case *corev1.ServiceAccount:
		o.ServiceAccounts = append(o.ServiceAccounts, v)
	case *corev1.ConfigMap:
		o.ConfigMaps = append(o.ConfigMaps, v)
	case *corev1.Secret:
		o.Secrets = append(o.Secrets, v)
	case *corev1.Service:
		o.Services = append(o.Services, v)
	case *appsv1.Deployment:
		o.Deployments = append(o.Deployments, v)
	case *appsv1.StatefulSet:
		o.StatefulSets = append(o.StatefulSets, v)
	case *batchv1.Job:
		o.Jobs = append(o.Jobs, v)
	case *autoscalingv2.HorizontalPodAutoscaler:
		o.HPAs = append(o.HPAs, v)
	case *policyv1.PodDisruptionBudget:
		o.PDBs = append(o.PDBs, v)
	case *networkingv1.NetworkPolicy:
		o.NetworkPolicies = append(o.NetworkPolicies, v)
	default:
		return fmt.Errorf("kind %T is not checked by the tests: add it to objects", obj)
	}
	return nil
}

// podTemplate is a pod template of some workload, with where it came from.
type podTemplate struct {
	owner     string // Kind/name
	namespace string
	spec      *corev1.PodTemplateSpec
}

// pods lists the pod templates of every workload.
func (o *objects) pods() []podTemplate {
	var ps []podTemplate
	for _, d := range o.Deployments {
		ps = append(ps, podTemplate{"Deployment/" + d.Name, d.Namespace, &d.Spec.Template})
	}
	for _, s := range o.StatefulSets {
		ps = append(ps, podTemplate{"StatefulSet/" + s.Name, s.Namespace, &s.Spec.Template})
	}
	for _, j := range o.Jobs {
		ps = append(ps, podTemplate{"Job/" + j.Name, j.Namespace, &j.Spec.Template})
	}
	return ps
}

// deployment returns the named Deployment or fails the test.
func (o *objects) deployment(t *testing.T, name string) *appsv1.Deployment {
	t.Helper()
	for _, d := range o.Deployments {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("no Deployment %q; have %v", name, names(o.Deployments))
	return nil
}

// names lists the names of objects.
func names[T metav1.Object](objs []T) []string {
	var ns []string
	for _, o := range objs {
		ns = append(ns, o.GetName())
	}
	return ns
}

// container returns the named container of a pod or nil.
func container(spec *corev1.PodSpec, name string) *corev1.Container {
	for i := range spec.Containers {
		if spec.Containers[i].Name == name {
			return &spec.Containers[i]
		}
	}
	return nil
}

// envValue resolves a container's variable the way the kubelet does: an
// explicit env entry wins over envFrom ConfigMaps. Secrets are not resolved.
func envValue(o *objects, ns string, c *corev1.Container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name && e.ValueFrom == nil {
			return e.Value, true
		}
	}
	for i := len(c.EnvFrom) - 1; i >= 0; i-- {
		ref := c.EnvFrom[i].ConfigMapRef
		if ref == nil {
			continue
		}
		for _, cm := range o.ConfigMaps {
			if cm.Name == ref.Name && cm.Namespace == ns {
				if v, ok := cm.Data[c.EnvFrom[i].Prefix+name]; ok {
					return v, true
				}
			}
		}
	}
	return "", false
}

// toJSON is for error messages and structural comparisons.
func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// swapSlot rewrites the blue-only parts of s (slot label, name suffix) into
// green, so that two slots can be compared for equality.
func swapSlot(s, from, to string) string {
	s = strings.ReplaceAll(s, `"slot":"`+from+`"`, `"slot":"`+to+`"`)
	return strings.ReplaceAll(s, `-hse-app-`+from+`"`, `-hse-app-`+to+`"`)
}
