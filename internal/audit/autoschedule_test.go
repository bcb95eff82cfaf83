package audit

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

func TestAutoScheduleDueWithin(t *testing.T) {
	today := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	end := today.AddDate(0, 0, 30) // 9 April
	at := func(s string) *time.Time {
		v, _ := time.Parse(time.DateOnly, s)
		return &v
	}
	st := func(freq, created string) StationRef {
		return StationRef{ID: "s", Code: "S", Active: true, AuditFrequency: freq, CreatedAt: *at(created)}
	}
	for _, tc := range []struct {
		name string
		row  PlanRow
		want string // "" when not scheduled
	}{
		{"never audited, due in the period", PlanRow{Station: st(Monthly, "2026-03-05")}, "2026-04-05"},
		{"due on the last day of the period", PlanRow{Station: st(Monthly, "2026-03-09")}, "2026-04-09"},
		{"due the day after the period", PlanRow{Station: st(Monthly, "2026-03-10")}, ""},
		{"not due for months", PlanRow{Station: st(Annually, "2026-01-01")}, ""},
		{"overdue: scheduled for today", PlanRow{Station: st(Monthly, "2025-12-01")}, "2026-03-10"},
		{"due 20 April from the last completed audit", PlanRow{Station: st(Quarterly, "2020-01-01"), LastCompletedAt: at("2026-01-20")}, ""},
		{"last completed audit makes it due", PlanRow{Station: st(Quarterly, "2020-01-01"), LastCompletedAt: at("2025-12-31")}, "2026-03-31"},
		{"an open audit already", PlanRow{Station: st(Monthly, "2025-12-01"), NextScheduledID: "a1", NextScheduledAt: at("2026-06-01")}, ""},
	} {
		got := ""
		if d, ok := dueWithin(tc.row, today, end); ok {
			got = d.Format(time.DateOnly)
		}
		if got != tc.want {
			t.Errorf("%s: scheduled for %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestAutoScheduleChooseAuditor(t *testing.T) {
	conduct := hse.NewPermissionSet(PermAuditsRead, PermAuditConduct)
	readOnly := hse.NewPermissionSet(PermAuditsRead)
	org := hse.Scope{Kind: hse.ScopeOrganization}
	members := []Conductor{
		{UserID: "viewer", Access: MemberAccess{Permissions: readOnly, Scope: org}},
		{UserID: "scoped", Access: MemberAccess{Permissions: conduct, Scope: hse.Scope{Kind: hse.ScopeStations, StationIDs: []string{"s2"}}}},
		{UserID: "owner", Access: MemberAccess{Permissions: conduct, Scope: org}},
		{UserID: "auditor", Access: MemberAccess{Permissions: conduct, Scope: org}},
	}
	for _, tc := range []struct {
		name, station, last, want, rule string
	}{
		{"the last auditor", "s1", "auditor", "auditor", AssignedLastAuditor},
		{"no last audit: the first member who may conduct", "s1", "", "owner", AssignedFirstMember},
		{"the last auditor lost audits:conduct", "s1", "viewer", "owner", AssignedFirstMember},
		{"the last auditor left", "s1", "gone", "owner", AssignedFirstMember},
		{"a station-scoped member counts for their stations", "s2", "", "scoped", AssignedFirstMember},
		{"a station-scoped last auditor outside their stations", "s1", "scoped", "owner", AssignedFirstMember},
	} {
		got, rule := chooseAuditor(tc.station, tc.last, members)
		if got != tc.want || rule != tc.rule {
			t.Errorf("%s: %s (%s), want %s (%s)", tc.name, got, rule, tc.want, tc.rule)
		}
	}
	if got, _ := chooseAuditor("s1", "", members[:1]); got != "" {
		t.Errorf("nobody may conduct: chose %s", got)
	}
}

// fakeSlots is a SlotStore in memory.
type fakeSlots struct {
	locked bool
	meta   map[string]string
}

func (f *fakeSlots) TryLock(context.Context, string) (func(), bool, error) {
	if f.locked {
		return nil, false, nil
	}
	f.locked = true
	return func() { f.locked = false }, true, nil
}
func (f *fakeSlots) Meta(_ context.Context, k string) (string, error) { return f.meta[k], nil }
func (f *fakeSlots) SetMeta(_ context.Context, k, v string) error     { f.meta[k] = v; return nil }

// fakeOrgs is a ScheduleStore with organizations and no tenant data.
type fakeOrgs struct {
	orgs []string
	runs int
}

func (f *fakeOrgs) AutoScheduleOrgs(context.Context) ([]string, error) { f.runs++; return f.orgs, nil }

// ProgrammeOrgs: no organization runs programmes in these tests.
func (f *fakeOrgs) ProgrammeOrgs(context.Context, time.Time) ([]string, error) { return nil, nil }
func (f *fakeOrgs) InScheduleTx(context.Context, hse.TxScope, func(ScheduleTx) error) error {
	return errors.New("no tenant data in this test")
}

func TestAutoScheduleRunSlotOncePerSlot(t *testing.T) {
	ctx := context.Background()
	slots, store := &fakeSlots{meta: map[string]string{}}, &fakeOrgs{}
	s := &AutoScheduler{Store: store, Slots: slots}
	slot := time.Date(2026, 3, 10, 1, 30, 0, 0, time.UTC)
	if ran, err := s.RunSlot(ctx, slot); err != nil || !ran {
		t.Fatalf("first run: %v, %v", ran, err)
	}
	if slots.meta[autoScheduleSlotKey] != "2026-03-10T01:30:00Z" || slots.locked {
		t.Fatalf("after a run: %+v", slots)
	}
	if ran, err := s.RunSlot(ctx, slot); err != nil || ran {
		t.Fatalf("the same slot again: %v, %v", ran, err)
	}
	if ran, _ := s.RunSlot(ctx, slot.Add(-24*time.Hour)); ran {
		t.Fatal("an earlier slot ran after a later one")
	}
	slots.locked = true // another replica holds the lock
	if ran, err := s.RunSlot(ctx, slot.Add(24*time.Hour)); err != nil || ran {
		t.Fatalf("lock held elsewhere: %v, %v", ran, err)
	}
	slots.locked = false
	if ran, err := s.RunSlot(ctx, slot.Add(24*time.Hour)); err != nil || !ran || store.runs != 2 {
		t.Fatalf("next slot: %v, %v after %d runs", ran, err, store.runs)
	}
	// A failed organization leaves the slot to be retried.
	store.orgs = []string{"org-1"}
	if _, err := s.RunSlot(ctx, slot.Add(48*time.Hour)); err == nil {
		t.Fatal("a failing organization reported no error")
	}
	if slots.meta[autoScheduleSlotKey] != "2026-03-11T01:30:00Z" {
		t.Fatalf("failed slot recorded as done: %s", slots.meta[autoScheduleSlotKey])
	}
}
