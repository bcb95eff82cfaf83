package hse

import (
	"testing"
	"time"
)

func TestToday(t *testing.T) {
	at := time.Date(2026, 6, 3, 20, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		zone string
		want string
	}{
		{"", "2026-06-03"}, {"Pacific/Auckland", "2026-06-04"}, {"America/Los_Angeles", "2026-06-03"},
		{"Pacific/Kiritimati", "2026-06-04"}, {"Nowhere/Unknown", "2026-06-03"},
	} {
		got := Today(at, LoadLocation(tc.zone))
		if got.Format(time.DateOnly) != tc.want || got.Location() != time.UTC || got.Hour() != 0 {
			t.Errorf("Today in %q = %v, want %s at UTC midnight", tc.zone, got, tc.want)
		}
	}
	p := &Principal{TimeZone: "Pacific/Auckland"}
	if got := p.Today(at).Format(time.DateOnly); got != "2026-06-04" {
		t.Errorf("principal's today %s", got)
	}
}

func TestValidTimeZone(t *testing.T) {
	for tz, want := range map[string]bool{"": true, "Europe/London": true, "UTC": true, "Local": false, "+02:00": false,
		"Mars/Olympus_Mons": false, "../../etc/passwd": false} {
		if got := ValidTimeZone(tz); got != want {
			t.Errorf("ValidTimeZone(%q) = %v, want %v", tz, got, want)
		}
	}
}

func TestFindingAssignee(t *testing.T) {
	managers := []string{"m1", "m2"}
	for _, tc := range []struct{ rule, want string }{
		{"", "m1"}, {AssignStationManagers, "m1"}, {AssignAuditor, "aud"}, {AssignUnassigned, ""}, {"bogus", "m1"},
	} {
		if got := (OrgPrefs{ActionAssignment: tc.rule}).FindingAssignee(managers, "aud"); got != tc.want {
			t.Errorf("rule %q: %q, want %q", tc.rule, got, tc.want)
		}
	}
	if got := (OrgPrefs{}).FindingAssignee(nil, "aud"); got != "" {
		t.Errorf("no managers: %q", got)
	}
}

func TestCanTakeOver(t *testing.T) {
	stationCM := &MemberAccess{Permissions: NewPermissionSet("audits:conduct", "actions:complete", "incidents:investigate", "permits:request"),
		Scope: Scope{Kind: ScopeStations, StationIDs: []string{"s1"}}}
	contractor := &MemberAccess{Permissions: NewPermissionSet("actions:complete", "permits:request"), Scope: Scope{Kind: ScopeContractor, ContractorID: "c1"}}
	for _, tc := range []struct {
		name string
		acc  *MemberAccess
		w    WorkItem
		want bool
	}{
		{"audit at own station", stationCM, WorkItem{Kind: WorkAudit, StationID: "s1"}, true},
		{"audit elsewhere", stationCM, WorkItem{Kind: WorkAudit, StationID: "s2"}, false},
		{"action anywhere", stationCM, WorkItem{Kind: WorkAction, StationID: "s2"}, true},
		{"contractor's own company permit", contractor, WorkItem{Kind: WorkPermit, StationID: "s2", ContractorID: "c1"}, true},
		{"another company's permit", contractor, WorkItem{Kind: WorkPermit, StationID: "s2", ContractorID: "c2"}, false},
		{"contractor cannot investigate", contractor, WorkItem{Kind: WorkInvestigation, StationID: "s1"}, false},
	} {
		if got := tc.acc.CanTakeOver(tc.w); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
