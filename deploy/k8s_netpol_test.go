package deploy_test

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Network policies: who may talk to whom.

func checkNetworkPolicies(t *testing.T, r *rendered) {
	o := r.all
	if !slices.ContainsFunc(o.NetworkPolicies, func(np *networkingv1.NetworkPolicy) bool {
		return len(np.Spec.PodSelector.MatchLabels) == 0 && len(np.Spec.PodSelector.MatchExpressions) == 0 &&
			len(np.Spec.Ingress) == 0 && len(np.Spec.Egress) == 0 && len(np.Spec.PolicyTypes) == 2
	}) {
		t.Error("no default-deny NetworkPolicy (empty pod selector, Ingress and Egress, no rules)")
	}
	app := map[string]string{"app": appLabel, "slot": "blue"}
	migrate := r.migration.Jobs[0].Spec.Template.Labels
	pg := map[string]string{"app": "postgres"}
	redis := map[string]string{"app": "redis"}
	var outside map[string]string // an ingress controller, Prometheus, DNS
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	for _, c := range []struct {
		name     string
		from, to map[string]string
		proto    corev1.Protocol
		port     int32
		want     bool
	}{
		{"clients to the app", outside, app, tcp, appPort, true},
		{"clients to another app port", outside, app, tcp, 8080, false},
		{"app to PostgreSQL", app, pg, tcp, 5432, true},
		{"app to Redis", app, redis, tcp, 6379, true},
		{"app to DNS", app, outside, udp, 53, true},
		{"migration to PostgreSQL", migrate, pg, tcp, 5432, true},
		{"migration to Redis", migrate, redis, tcp, 6379, false},
		{"migration to DNS", migrate, outside, udp, 53, true},
		{"outside to PostgreSQL", outside, pg, tcp, 5432, false},
		{"outside to Redis", outside, redis, tcp, 6379, false},
	} {
		if got := allowed(o, r.env.namespace, c.from, c.to, c.proto, c.port); got != c.want {
			t.Errorf("%s (%s %d): allowed = %v, want %v", c.name, c.proto, c.port, got, c.want)
		}
	}
}

// allowed evaluates the NetworkPolicies of ns for a connection between two
// pods of ns; nil labels stand for something outside the namespace (an
// ingress controller, Prometheus, DNS), which these policies do not govern.
// Both ends must allow it: egress at the source, ingress at the destination.
func allowed(o *objects, ns string, from, to map[string]string, proto corev1.Protocol, port int32) bool {
	side := func(self, peer map[string]string, egress bool) bool {
		if self == nil {
			return true // not governed by these policies
		}
		selected := false
		for _, np := range o.NetworkPolicies {
			if np.Namespace != ns || !selects(&np.Spec.PodSelector, self) {
				continue
			}
			kind := networkingv1.PolicyTypeIngress
			if egress {
				kind = networkingv1.PolicyTypeEgress
			}
			if !slices.Contains(np.Spec.PolicyTypes, kind) {
				continue
			}
			selected = true
			type rule struct {
				peers []networkingv1.NetworkPolicyPeer
				ports []networkingv1.NetworkPolicyPort
			}
			var rules []rule
			if egress {
				for _, r := range np.Spec.Egress {
					rules = append(rules, rule{r.To, r.Ports})
				}
			} else {
				for _, r := range np.Spec.Ingress {
					rules = append(rules, rule{r.From, r.Ports})
				}
			}
			for _, r := range rules {
				if portMatches(r.ports, proto, port) && peerMatches(r.peers, peer) {
					return true
				}
			}
		}
		return !selected
	}
	return side(from, to, true) && side(to, from, false)
}

func portMatches(ports []networkingv1.NetworkPolicyPort, proto corev1.Protocol, port int32) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		pp := corev1.ProtocolTCP
		if p.Protocol != nil {
			pp = *p.Protocol
		}
		if pp == proto && (p.Port == nil || p.Port.IntValue() == int(port)) {
			return true
		}
	}
	return false
}

func peerMatches(peers []networkingv1.NetworkPolicyPeer, peer map[string]string) bool {
	if len(peers) == 0 {
		return true
	}
	for _, p := range peers {
		if p.PodSelector != nil && p.NamespaceSelector == nil && p.IPBlock == nil && peer != nil && selects(p.PodSelector, peer) {
			return true
		}
	}
	return false
}

func selects(sel *metav1.LabelSelector, l map[string]string) bool {
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && s.Matches(labels.Set(l))
}
