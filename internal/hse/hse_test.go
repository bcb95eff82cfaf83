package hse

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCursorRoundTripAndBadInput(t *testing.T) {
	c := Cursor{Key: "2026-11-27", ID: "01a2"}
	got, err := DecodeCursor(c.Encode())
	if err != nil || got != c {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	if (Cursor{}).Encode() != "" {
		t.Error("an empty cursor must encode to nothing")
	}
	for _, bad := range []string{"%%%", "bm90IGpzb24", "e30"} { // not base64, not JSON, no id
		if _, err := DecodeCursor(bad); KindOf(err) != KindInvalid {
			t.Errorf("DecodeCursor(%q) = %v, want an invalid-input error naming cursor", bad, err)
		}
	}
}

func TestPermissionSets(t *testing.T) {
	owner := NewPermissionSet(SystemRoles()[0].Permissions...)
	viewer := NewPermissionSet(SystemRoles()[6].Permissions...)
	if !owner.Covers(viewer) || viewer.Covers(owner) {
		t.Error("the owner covers the viewer, not the other way round")
	}
	if got := NewPermissionSet("users:read", "organization:read").List(); !cmp.Equal(got, []Permission{"organization:read", "users:read"}) {
		t.Errorf("List is in display order: %v", got)
	}
	if ValidPermission("stations:fly") || !ValidPermission("audits:conduct") {
		t.Error("ValidPermission")
	}
	for _, r := range SystemRoles() {
		for _, p := range r.Permissions {
			if !ValidPermission(p) {
				t.Errorf("role %s has unknown permission %s", r.Name, p)
			}
		}
		if r.Key != RoleOwner && NewPermissionSet(r.Permissions...).Has(PermOrgBilling) {
			t.Errorf("only the owner may have billing, %s has it", r.Name)
		}
	}
}

func TestRedact(t *testing.T) {
	in := map[string]any{"name": "Ann", "password": "x", "nested": map[string]any{"refreshToken": "y", "ok": 1}, "passwordHash": "z"}
	got := Redact(in)
	want := map[string]any{"name": "Ann", "password": "[redacted]", "nested": map[string]any{"refreshToken": "[redacted]", "ok": 1}, "passwordHash": "[redacted]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Redact (-want +got):\n%s", diff)
	}
	if in["password"] != "x" {
		t.Error("Redact changed its input")
	}
}

func TestScope(t *testing.T) {
	all := Scope{Kind: ScopeOrganization}
	st := Scope{Kind: ScopeStations, StationIDs: []string{"s1"}}
	co := Scope{Kind: ScopeContractor, ContractorID: "c1"}
	cases := []struct {
		s                Scope
		station, company bool
	}{{all, true, true}, {st, true, false}, {co, false, true}}
	for _, c := range cases {
		if c.s.AllowsStation("s1") != c.station || c.s.AllowsContractor("c1") != c.company {
			t.Errorf("%+v: station %v contractor %v", c.s, c.s.AllowsStation("s1"), c.s.AllowsContractor("c1"))
		}
	}
	if st.AllowsStation("s2") || co.AllowsContractor("c2") {
		t.Error("a scope must not reach what it does not list")
	}
}
