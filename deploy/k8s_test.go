package deploy_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/hsedigital/hse/internal/buildinfo"
	"github.com/hsedigital/hse/internal/health"
	"github.com/hsedigital/hse/internal/httpapi"
)

// The names below are contractual: operators type them from the runbook.
const (
	serviceName  = "hse-app-service"
	appLabel     = "hse-app"
	appContainer = "app"
	appPort      = 3001
	imageRepo    = "ghcr.io/org/hse-digital"
	livePath     = "/api/live"
	readyPath    = "/api/ready"
)

// environment is one overlay and the names it must produce.
type environment struct {
	overlay   string // under deploy/k8s/overlays
	namespace string
	prefix    string // DEPLOY_PREFIX of deploy/bluegreen.sh
}

var environments = []environment{
	{overlay: "production", namespace: "hse-production", prefix: "prod-hse-app"},
	{overlay: "staging", namespace: "hse-staging", prefix: "staging-hse-app"},
}

// requiredSecretKeys are the Secrets and keys the runbook and the server name.
var requiredSecretKeys = map[string][]string{
	"hse-jwt-secrets": {"JWT_SECRET", "REFRESH_SECRET", "JWT_SECRET_PREVIOUS", "REFRESH_SECRET_PREVIOUS"},
	"hse-db-secret":   {"DATABASE_URL"},
	// DATABASE_URL too, so that the runbook's Job with envFrom: hse-secrets works.
	"hse-secrets": {"REDIS_URL", "DATABASE_URL"},
}

// rendered is everything one environment is made of: the applied overlay,
// its migration Job and the Secrets it needs (from the templates).
type rendered struct {
	env       environment
	overlay   *objects // what "kubectl apply -k overlays/<env>" creates
	migration *objects
	all       *objects // overlay + migration + secret templates
}

func renderEnvironment(t *testing.T, env environment, secrets *objects) *rendered {
	t.Helper()
	r := &rendered{
		env:       env,
		overlay:   render(t, "overlays/"+env.overlay),
		migration: render(t, "overlays/"+env.overlay+"/migration"),
		all:       &objects{},
	}
	r.all.merge(r.overlay)
	r.all.merge(r.migration)
	// The templates carry no namespace: they are created in the
	// environment's namespace by hand.
	for _, s := range secrets.Secrets {
		s = s.DeepCopy()
		s.Namespace = env.namespace
		r.all.Secrets = append(r.all.Secrets, s)
	}
	return r
}

func TestOverlays(t *testing.T) {
	secrets := render(t, "secrets")
	paths := serverPaths(t)
	for _, env := range environments {
		t.Run(env.overlay, func(t *testing.T) {
			r := renderEnvironment(t, env, secrets)
			t.Run("names", func(t *testing.T) { checkNames(t, r) })
			t.Run("selectors", func(t *testing.T) { checkSelectors(t, r.all) })
			t.Run("probes", func(t *testing.T) { checkProbes(t, r, paths) })
			t.Run("secret and config references", func(t *testing.T) { checkReferences(t, r.all) })
			t.Run("migration job", func(t *testing.T) { checkMigrationJob(t, r) })
			t.Run("slots identical", func(t *testing.T) { checkSlotsIdentical(t, r) })
			t.Run("graceful shutdown", func(t *testing.T) { checkGrace(t, r) })
			t.Run("security", func(t *testing.T) { checkSecurity(t, r) })
			t.Run("network policies", func(t *testing.T) { checkNetworkPolicies(t, r) })
			t.Run("prometheus", func(t *testing.T) { checkPrometheus(t, r) })
		})
	}
}

// TestSecretTemplates proves the templates hold every key that the runbook
// and the server name, and that their values are unmistakably placeholders.
func TestSecretTemplates(t *testing.T) {
	secrets := render(t, "secrets")
	for name, keys := range requiredSecretKeys {
		s := findSecret(secrets, "", name)
		if s == nil {
			t.Errorf("secret template %s is missing", name)
			continue
		}
		for _, k := range keys {
			if !secretHasKey(s, k) {
				t.Errorf("secret template %s lacks key %s", name, k)
			}
		}
	}
	for _, s := range secrets.Secrets {
		if s.Namespace != "" {
			t.Errorf("secret template %s has namespace %q: templates are created in each environment's namespace", s.Name, s.Namespace)
		}
		for k, v := range s.StringData {
			// Empty is an explicit "off" for optional settings (object storage).
			if v != "" && !strings.Contains(v, "CHANGE-ME") && !strings.HasPrefix(v, "redis://") {
				t.Errorf("secret template %s: %s=%q does not look like a placeholder (CHANGE-ME)", s.Name, k, v)
			}
		}
	}
}

// serverPaths builds the real API mux and returns the paths of its OpenAPI
// document, after proving that the probe paths answer 200 on a healthy
// server: the manifests' probes must point at routes that exist.
func serverPaths(t *testing.T) map[string]bool {
	t.Helper()
	checker := health.New(fakeDB{}, nil, t.TempDir())
	mux := http.NewServeMux()
	api := httpapi.New(mux, httpapi.Deps{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Health: checker,
		Build:  buildinfo.Info{Version: "test"},
	})
	for _, p := range []string{livePath, readyPath} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s on a healthy server: %d %s", p, rec.Code, rec.Body)
		}
	}
	paths := map[string]bool{}
	for p := range api.OpenAPI().Paths {
		paths[p] = true
	}
	return paths
}

// fakeDB is a healthy database with a current schema.
type fakeDB struct{}

func (fakeDB) Ping(context.Context) error { return nil }
func (fakeDB) Engine() string             { return "postgres" }
func (fakeDB) CheckSchema(context.Context) (int64, int64, error) {
	return 1, 1, nil
}

func checkNames(t *testing.T, r *rendered) {
	env, o := r.env, r.overlay
	if got := names(o.Namespaces); !slices.Equal(got, []string{env.namespace}) {
		t.Errorf("namespaces = %v, want [%s]", got, env.namespace)
	}
	for _, obj := range append(namespaced(o), namespaced(r.migration)...) {
		if obj.GetNamespace() != env.namespace {
			t.Errorf("%s is in namespace %q, want %q", obj.GetName(), obj.GetNamespace(), env.namespace)
		}
	}

	want := []string{env.prefix + "-blue", env.prefix + "-green"}
	if got := names(o.Deployments); !cmp.Equal(sorted(got), want) {
		t.Errorf("deployments = %v, want %v", got, want)
	}
	for _, slot := range []string{"blue", "green"} {
		d := o.deployment(t, env.prefix+"-"+slot)
		wantLabels := map[string]string{"app": appLabel, "slot": slot}
		for what, l := range map[string]map[string]string{
			"metadata.labels":          d.Labels,
			"spec.selector":            d.Spec.Selector.MatchLabels,
			"spec.template.metadata":   d.Spec.Template.Labels,
			"spec.selector (complete)": selectorLabels(d.Spec.Selector),
		} {
			for k, v := range wantLabels {
				if l[k] != v {
					t.Errorf("%s %s: %s=%q, want %q", d.Name, what, k, l[k], v)
				}
			}
		}
		c := container(&d.Spec.Template.Spec, appContainer)
		if c == nil {
			t.Errorf("%s has no container %q", d.Name, appContainer)
			continue
		}
		if p := namedPort(c, "http"); p == nil || p.ContainerPort != appPort {
			t.Errorf("%s: container port named http = %v, want %d", d.Name, p, appPort)
		}
	}

	svc := findService(o, env.namespace, serviceName)
	if svc == nil {
		t.Fatalf("no Service %s; have %v", serviceName, names(o.Services))
	}
	if diff := cmp.Diff(map[string]string{"app": appLabel, "slot": "blue"}, svc.Spec.Selector); diff != "" {
		t.Errorf("%s selector (-want +got):\n%s", serviceName, diff)
	}

	// In-cluster datastores: the runbook execs into postgres-0 as hse_admin
	// on hse_platform, and deletes redis-0.
	for _, name := range []string{"postgres", "redis"} {
		s := findStatefulSet(o, name)
		if s == nil {
			t.Errorf("no StatefulSet %s (pod %s-0)", name, name)
			continue
		}
		if s.Spec.Replicas == nil || *s.Spec.Replicas != 1 {
			t.Errorf("StatefulSet %s: replicas = %v, want 1", name, s.Spec.Replicas)
		}
		if s.Spec.ServiceName != name || findService(o, env.namespace, name) == nil {
			t.Errorf("StatefulSet %s: serviceName %q needs a matching Service named %s", name, s.Spec.ServiceName, name)
		}
	}
	if pg := findStatefulSet(o, "postgres"); pg != nil {
		c := &pg.Spec.Template.Spec.Containers[0]
		for k, v := range map[string]string{"POSTGRES_USER": "hse_admin", "POSTGRES_DB": "hse_platform"} {
			if got, _ := envValue(o, env.namespace, c, k); got != v {
				t.Errorf("postgres %s = %q, want %q", k, got, v)
			}
		}
		if len(pg.Spec.VolumeClaimTemplates) == 0 {
			t.Error("postgres has no volumeClaimTemplates: its data would not survive a restart")
		}
	}

	for name, keys := range requiredSecretKeys {
		s := findSecret(r.all, env.namespace, name)
		if s == nil {
			t.Errorf("no Secret %s", name)
			continue
		}
		for _, k := range keys {
			if !secretHasKey(s, k) {
				t.Errorf("Secret %s lacks %s", name, k)
			}
		}
	}
	// Real secrets are never part of what is applied.
	if len(o.Secrets) > 0 {
		t.Errorf("the overlay renders Secrets %v: applying it would overwrite real credentials", names(o.Secrets))
	}
}

func checkSelectors(t *testing.T, o *objects) {
	pods := o.pods()
	matching := func(ns string, sel labels.Selector) []podTemplate {
		var ps []podTemplate
		for _, p := range pods {
			if p.namespace == ns && sel.Matches(labels.Set(p.spec.Labels)) {
				ps = append(ps, p)
			}
		}
		return ps
	}
	for _, p := range pods {
		var sel *metav1.LabelSelector
		switch {
		case strings.HasPrefix(p.owner, "Deployment/"):
			sel = findDeployment(o, strings.TrimPrefix(p.owner, "Deployment/")).Spec.Selector
		case strings.HasPrefix(p.owner, "StatefulSet/"):
			sel = findStatefulSet(o, strings.TrimPrefix(p.owner, "StatefulSet/")).Spec.Selector
		default:
			continue // Jobs generate their selector.
		}
		if s := mustSelector(t, p.owner, sel); !s.Matches(labels.Set(p.spec.Labels)) {
			t.Errorf("%s: selector %v does not match its own pod labels %v", p.owner, s, p.spec.Labels)
		}
	}
	for _, svc := range o.Services {
		if len(svc.Spec.Selector) == 0 {
			t.Errorf("Service %s has no selector", svc.Name)
			continue
		}
		ps := matching(svc.Namespace, labels.SelectorFromSet(svc.Spec.Selector))
		if len(ps) == 0 {
			t.Errorf("Service %s selects %v: no pods of any workload match", svc.Name, svc.Spec.Selector)
		}
		for _, port := range svc.Spec.Ports {
			for _, p := range ps {
				if !podHasPort(p.spec, port.TargetPort, port.Port) {
					t.Errorf("Service %s port %s: targetPort %s is not a port of %s", svc.Name, port.Name, port.TargetPort.String(), p.owner)
				}
			}
		}
	}
	for _, pdb := range o.PDBs {
		if len(matching(pdb.Namespace, mustSelector(t, "PodDisruptionBudget/"+pdb.Name, pdb.Spec.Selector))) == 0 {
			t.Errorf("PodDisruptionBudget %s selects no pods", pdb.Name)
		}
	}
	for _, hpa := range o.HPAs {
		ref := hpa.Spec.ScaleTargetRef
		if ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" || findDeployment(o, ref.Name) == nil {
			t.Errorf("HorizontalPodAutoscaler %s targets %s %s/%s: no such Deployment", hpa.Name, ref.APIVersion, ref.Kind, ref.Name)
		}
		if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < 1 || *hpa.Spec.MinReplicas > hpa.Spec.MaxReplicas {
			t.Errorf("HorizontalPodAutoscaler %s: min %v, max %d", hpa.Name, hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas)
		}
		if d := findDeployment(o, ref.Name); d != nil && d.Spec.Replicas != nil {
			t.Errorf("Deployment %s sets replicas although %s scales it: every apply would reset the count", d.Name, hpa.Name)
		}
	}
	for _, np := range o.NetworkPolicies {
		if len(matching(np.Namespace, mustSelector(t, "NetworkPolicy/"+np.Name, &np.Spec.PodSelector))) == 0 {
			t.Errorf("NetworkPolicy %s selects no pods", np.Name)
		}
		var peers []networkingv1.NetworkPolicyPeer
		for _, r := range np.Spec.Ingress {
			peers = append(peers, r.From...)
		}
		for _, r := range np.Spec.Egress {
			peers = append(peers, r.To...)
		}
		for _, peer := range peers {
			if peer.PodSelector == nil || peer.NamespaceSelector != nil {
				continue
			}
			if len(matching(np.Namespace, mustSelector(t, "NetworkPolicy/"+np.Name, peer.PodSelector))) == 0 {
				t.Errorf("NetworkPolicy %s: peer %v matches no pods", np.Name, peer.PodSelector)
			}
		}
	}
	for _, sm := range o.ServiceMonitors {
		sel := mustSelector(t, "ServiceMonitor/"+sm.Name, &sm.Spec.Selector)
		var found bool
		for _, svc := range o.Services {
			if svc.Namespace != sm.Namespace || !sel.Matches(labels.Set(svc.Labels)) {
				continue
			}
			found = true
			// The alert rules and the runbook query job="hse-digital".
			if job := svc.Labels[sm.Spec.JobLabel]; job != "hse-digital" {
				t.Errorf("ServiceMonitor %s: job label %s on Service %s = %q, want hse-digital", sm.Name, sm.Spec.JobLabel, svc.Name, job)
			}
			for _, ep := range sm.Spec.Endpoints {
				if !slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == ep.Port }) {
					t.Errorf("ServiceMonitor %s: endpoint port %q is not a port of Service %s", sm.Name, ep.Port, svc.Name)
				}
			}
		}
		if !found {
			t.Errorf("ServiceMonitor %s selects no Service", sm.Name)
		}
	}
}

func checkProbes(t *testing.T, r *rendered, serverPaths map[string]bool) {
	for _, d := range r.overlay.Deployments {
		c := container(&d.Spec.Template.Spec, appContainer)
		if c == nil {
			t.Fatalf("%s: no container %s", d.Name, appContainer)
		}
		if port, _ := envValue(r.all, d.Namespace, c, "PORT"); port != "3001" {
			t.Errorf("%s: PORT = %q, want 3001 (the container port)", d.Name, port)
		}
		for _, p := range []struct {
			kind  string
			probe *corev1.Probe
			path  string
		}{
			{"startupProbe", c.StartupProbe, livePath},
			{"livenessProbe", c.LivenessProbe, livePath},
			{"readinessProbe", c.ReadinessProbe, readyPath},
		} {
			if p.probe == nil || p.probe.HTTPGet == nil {
				t.Errorf("%s: %s is missing or not an HTTP GET", d.Name, p.kind)
				continue
			}
			get := p.probe.HTTPGet
			if get.Path != p.path {
				t.Errorf("%s: %s path = %q, want %q", d.Name, p.kind, get.Path, p.path)
			}
			if !serverPaths[get.Path] {
				t.Errorf("%s: %s path %q is not a route of the server", d.Name, p.kind, get.Path)
			}
			if got := resolvePort(c, get.Port); got != appPort {
				t.Errorf("%s: %s port %s resolves to %d, want %d", d.Name, p.kind, get.Port.String(), got, appPort)
			}
		}
		// Liveness must not give up before startup has had its chance, and
		// readiness must react within the shutdown delay's order of magnitude.
		if s := c.StartupProbe; s != nil && s.PeriodSeconds*s.FailureThreshold < 30 {
			t.Errorf("%s: startupProbe allows only %ds to start", d.Name, s.PeriodSeconds*s.FailureThreshold)
		}
	}
}

func checkReferences(t *testing.T, o *objects) {
	for _, p := range o.pods() {
		spec := &p.spec.Spec
		for _, c := range slices.Concat(spec.InitContainers, spec.Containers) {
			for _, e := range c.Env {
				if e.ValueFrom == nil {
					continue
				}
				if ref := e.ValueFrom.SecretKeyRef; ref != nil {
					s := findSecret(o, p.namespace, ref.Name)
					switch {
					case s == nil:
						t.Errorf("%s/%s: %s reads Secret %s, which is not rendered", p.owner, c.Name, e.Name, ref.Name)
					case !secretHasKey(s, ref.Key):
						t.Errorf("%s/%s: %s reads key %s of Secret %s, which lacks it", p.owner, c.Name, e.Name, ref.Key, ref.Name)
					}
				}
				if ref := e.ValueFrom.ConfigMapKeyRef; ref != nil {
					cm := findConfigMap(o, p.namespace, ref.Name)
					if cm == nil || cm.Data[ref.Key] == "" {
						t.Errorf("%s/%s: %s reads %s from ConfigMap %s: missing", p.owner, c.Name, e.Name, ref.Key, ref.Name)
					}
				}
			}
			for _, ef := range c.EnvFrom {
				if ef.SecretRef != nil && findSecret(o, p.namespace, ef.SecretRef.Name) == nil {
					t.Errorf("%s/%s: envFrom Secret %s is not rendered", p.owner, c.Name, ef.SecretRef.Name)
				}
				if ef.ConfigMapRef != nil && findConfigMap(o, p.namespace, ef.ConfigMapRef.Name) == nil {
					t.Errorf("%s/%s: envFrom ConfigMap %s is not rendered", p.owner, c.Name, ef.ConfigMapRef.Name)
				}
			}
		}
		for _, v := range spec.Volumes {
			if v.Secret != nil && findSecret(o, p.namespace, v.Secret.SecretName) == nil {
				t.Errorf("%s: volume %s mounts Secret %s, which is not rendered", p.owner, v.Name, v.Secret.SecretName)
			}
			if v.ConfigMap != nil && findConfigMap(o, p.namespace, v.ConfigMap.Name) == nil {
				t.Errorf("%s: volume %s mounts ConfigMap %s, which is not rendered", p.owner, v.Name, v.ConfigMap.Name)
			}
		}
		if sa := spec.ServiceAccountName; sa != "" && !slices.ContainsFunc(o.ServiceAccounts, func(s *corev1.ServiceAccount) bool {
			return s.Name == sa && s.Namespace == p.namespace
		}) {
			t.Errorf("%s: service account %s is not rendered", p.owner, sa)
		}
	}
}

func checkMigrationJob(t *testing.T, r *rendered) {
	if len(r.migration.Jobs) != 1 {
		t.Fatalf("migration renders %d Jobs, want 1", len(r.migration.Jobs))
	}
	if len(r.overlay.Jobs) != 0 {
		t.Errorf("the overlay renders Jobs %v: a Job's template is immutable, so re-applying with a new image would fail", names(r.overlay.Jobs))
	}
	job := r.migration.Jobs[0]
	if job.Spec.BackoffLimit == nil || *job.Spec.BackoffLimit != 3 {
		t.Errorf("backoffLimit = %v, want 3", job.Spec.BackoffLimit)
	}
	spec := job.Spec.Template.Spec
	if spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("restartPolicy = %s, want Never", spec.RestartPolicy)
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("the Job has %d containers, want 1 (deploy/bluegreen.sh rewrites its one image)", len(spec.Containers))
	}
	c := spec.Containers[0]
	if got := strings.Join(slices.Concat(c.Command, c.Args), " "); got != "migrate up" {
		t.Errorf("the Job runs %q, want \"migrate up\" (with the image's entrypoint hse)", got)
	}
	for _, d := range r.overlay.Deployments {
		if app := container(&d.Spec.Template.Spec, appContainer); app != nil && app.Image != c.Image {
			t.Errorf("migration image %q differs from %s's %q", c.Image, d.Name, app.Image)
		}
	}
	repo, tag, _ := strings.Cut(c.Image, ":")
	if repo != imageRepo || tag == "" || tag == "latest" {
		t.Errorf("image %q: want %s with a pinned tag set by the overlay", c.Image, imageRepo)
	}
}

func checkSlotsIdentical(t *testing.T, r *rendered) {
	o, prefix := r.overlay, r.env.prefix
	pairs := map[string][2]any{}
	for _, d := range o.Deployments {
		addSlot(pairs, "Deployment", prefix, d.Name, d)
	}
	for _, h := range o.HPAs {
		addSlot(pairs, "HorizontalPodAutoscaler", prefix, h.Name, h)
	}
	for _, p := range o.PDBs {
		addSlot(pairs, "PodDisruptionBudget", prefix, p.Name, p)
	}
	for _, kind := range []string{"Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget"} {
		pair := pairs[kind]
		if pair[0] == nil || pair[1] == nil {
			t.Errorf("%s: want one per slot (%s-blue, %s-green)", kind, prefix, prefix)
			continue
		}
		var blue, green any
		mustUnmarshal(t, toJSON(t, pair[0]), &blue)
		mustUnmarshal(t, swapSlot(toJSON(t, pair[1]), "green", "blue"), &green)
		if diff := cmp.Diff(blue, green); diff != "" {
			t.Errorf("%s: the green slot differs from the blue one by more than its name and slot label (-blue +green):\n%s", kind, diff)
		}
	}
}

func addSlot(pairs map[string][2]any, kind, prefix, name string, obj any) {
	p := pairs[kind]
	switch name {
	case prefix + "-blue":
		p[0] = obj
	case prefix + "-green":
		p[1] = obj
	}
	pairs[kind] = p
}

func checkPrometheus(t *testing.T, r *rendered) {
	for _, d := range r.overlay.Deployments {
		a := d.Spec.Template.Annotations
		want := map[string]string{"prometheus.io/scrape": "true", "prometheus.io/port": "3001", "prometheus.io/path": "/metrics"}
		for k, v := range want {
			if a[k] != v {
				t.Errorf("%s: pod annotation %s = %q, want %q", d.Name, k, a[k], v)
			}
		}
	}
}
