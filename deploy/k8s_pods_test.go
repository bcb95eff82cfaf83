package deploy_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Pods: graceful termination and the security context.

func checkGrace(t *testing.T, r *rendered) {
	for _, d := range r.overlay.Deployments {
		c := container(&d.Spec.Template.Spec, appContainer)
		delay := durationEnv(t, r.all, d.Namespace, c, "HSE_SHUTDOWN_DELAY", -1)
		drain := durationEnv(t, r.all, d.Namespace, c, "HSE_DRAIN_TIMEOUT", 25*time.Second)
		if delay <= 0 {
			t.Errorf("%s: HSE_SHUTDOWN_DELAY must be set above 0 so that endpoints are removed before the listener closes", d.Name)
		}
		grace := d.Spec.Template.Spec.TerminationGracePeriodSeconds
		if grace == nil || time.Duration(*grace)*time.Second <= delay+drain {
			t.Errorf("%s: terminationGracePeriodSeconds = %v, must exceed HSE_SHUTDOWN_DELAY + HSE_DRAIN_TIMEOUT = %s", d.Name, ptrString(grace), delay+drain)
		}
	}
}

func durationEnv(t *testing.T, o *objects, ns string, c *corev1.Container, name string, def time.Duration) time.Duration {
	t.Helper()
	v, ok := envValue(o, ns, c, name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Errorf("%s=%q: %v", name, v, err)
	}
	return d
}

func checkSecurity(t *testing.T, r *rendered) {
	for _, p := range r.all.pods() {
		spec := &p.spec.Spec
		psc := spec.SecurityContext
		if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
			t.Errorf("%s: pod securityContext.runAsNonRoot is not true", p.owner)
		}
		if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("%s: pod seccompProfile is not RuntimeDefault", p.owner)
		}
		if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
			t.Errorf("%s: automountServiceAccountToken should be false (nothing calls the Kubernetes API)", p.owner)
		}
		for _, c := range spec.Containers {
			sc := c.SecurityContext
			if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
				t.Errorf("%s/%s: readOnlyRootFilesystem is not true", p.owner, c.Name)
			}
			if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				t.Errorf("%s/%s: allowPrivilegeEscalation is not false", p.owner, c.Name)
			}
			if sc == nil || sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 {
				t.Errorf("%s/%s: capabilities must drop ALL and add none", p.owner, c.Name)
			}
			res := c.Resources
			if res.Requests.Cpu().IsZero() || res.Requests.Memory().IsZero() || res.Limits.Memory().IsZero() {
				t.Errorf("%s/%s: needs cpu and memory requests and a memory limit, have %s", p.owner, c.Name, toJSON(t, res))
			}
		}
		// The hse binary itself: uid 10001 as in the image, writable /data
		// (HSE_DATA_DIR) and /tmp on emptyDir under a read-only root.
		if c := hseContainer(spec); c != nil {
			if psc == nil || psc.RunAsUser == nil || *psc.RunAsUser != 10001 {
				t.Errorf("%s: runAsUser should be 10001, the image's user", p.owner)
			}
			if v, _ := envValue(r.all, p.namespace, c, "HSE_DATA_DIR"); v != "/data" {
				t.Errorf("%s: HSE_DATA_DIR = %q, want /data", p.owner, v)
			}
			for _, dir := range []string{"/data", "/tmp"} {
				if !mountedEmptyDir(spec, c, dir) {
					t.Errorf("%s/%s: %s is not an emptyDir mount", p.owner, c.Name, dir)
				}
			}
		}
	}
}

// hseContainer returns the container running the hse image, if any.
func hseContainer(spec *corev1.PodSpec) *corev1.Container {
	for i := range spec.Containers {
		if strings.HasPrefix(spec.Containers[i].Image, imageRepo) {
			return &spec.Containers[i]
		}
	}
	return nil
}

func mountedEmptyDir(spec *corev1.PodSpec, c *corev1.Container, path string) bool {
	for _, m := range c.VolumeMounts {
		if m.MountPath != path {
			continue
		}
		for _, v := range spec.Volumes {
			if v.Name == m.Name && v.EmptyDir != nil {
				return true
			}
		}
	}
	return false
}
