package app_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/audit"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/hsetest"
)

// autoStation creates a station with an audit frequency.
func autoStation(t *testing.T, e *apptest.Env, u *apptest.User, code, frequency string) stationItem {
	t.Helper()
	return decodeJSON[stationItem](t, e.Must(201, callAPI(t, e, "POST", "/api/stations", u.Access, map[string]any{
		"code": code, "name": "Station " + code, "region": "North", "auditFrequency": frequency})))
}

// autoAudits lists every audit of u's organization.
func autoAudits(t *testing.T, e *apptest.Env, u *apptest.User) []auditItem {
	t.Helper()
	var out []auditItem
	path := "/api/audits?limit=100&sort=number"
	for {
		r := decodeJSON[struct {
			Items      []auditItem
			NextCursor string
		}](t, e.Must(200, callAPI(t, e, "GET", path, u.Access, nil)))
		out = append(out, r.Items...)
		if r.NextCursor == "" {
			return out
		}
		path = "/api/audits?limit=100&sort=number&cursor=" + r.NextCursor
	}
}

// openByStation counts the open audits of each station.
func openByStation(audits []auditItem) map[string]int {
	n := map[string]int{}
	for _, a := range audits {
		if a.Status == "Scheduled" || a.Status == "In Progress" {
			n[a.StationID]++
		}
	}
	return n
}

// gapFree fails unless the audit numbers of year are 1..n without a gap.
func gapFree(t *testing.T, audits []auditItem, year int) {
	t.Helper()
	var nums []string
	for _, a := range audits {
		nums = append(nums, a.Number)
	}
	slices.Sort(nums)
	for i, n := range nums {
		if want := fmt.Sprintf("AUD-%d-%04d", year, i+1); n != want {
			t.Fatalf("audit numbers are not gap-free: %v", nums)
		}
	}
}

func setAutoSchedule(t *testing.T, e *apptest.Env, u *apptest.User, on bool) {
	t.Helper()
	e.Must(200, callAPI(t, e, "PATCH", "/api/organizations/"+u.OrgID, u.Access, map[string]any{
		"settings": map[string]any{"autoScheduleAudits": on}}))
}

// autoDefinition is a one-item audit checklist.
func autoDefinition() map[string]any {
	return map[string]any{"passMark": 80, "sections": []any{
		map[string]any{"title": "Safety", "items": []any{
			map[string]any{"key": "estop", "label": "Emergency stop tested", "type": "pass_fail_na", "weight": 1, "required": true},
		}},
	}}
}

func TestAutoScheduleAudits(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		clock := apptest.NewClock(t0)
		e := apptest.New(t, engine, apptest.WithNow(clock.Now))
		o := e.Signup("Auto Fuels")
		other := e.Signup("Manual Fuels")
		sched := e.App.AuditScheduler()
		if sched == nil {
			t.Fatal("no audit scheduler with the default HSE_AUDIT_SCHEDULE")
		}
		// Advancing the clock expires access tokens: sign in again.
		advance := func(d time.Duration) {
			t.Helper()
			clock.Advance(d)
			e.Login(o)
			e.Login(other)
		}
		slot := func(d time.Time) time.Time { return time.Date(d.Year(), d.Month(), d.Day(), 1, 30, 0, 0, time.UTC) }

		// Stations created at t0: monthly ones fall due on 2 April.
		due := autoStation(t, e, o, "AS-DUE", audit.Monthly)
		open := autoStation(t, e, o, "AS-OPEN", audit.Monthly)
		annual := autoStation(t, e, o, "AS-ANNUAL", audit.Annually)
		inactive := autoStation(t, e, o, "AS-OFF", audit.Monthly)
		e.Must(200, callAPI(t, e, "PATCH", "/api/stations/"+inactive.ID, o.Access, map[string]any{"active": false, "version": inactive.Version}))
		audited := autoStation(t, e, o, "AS-AUDITED", audit.Monthly)
		otherDue := autoStation(t, e, other, "AS-OTHER", audit.Monthly)

		// AS-AUDITED was last audited by an auditor, who gets its next audit;
		// AS-OPEN has an open audit already.
		form := newAutoForm(t, e, o)
		auditor := e.Invite(o, "sys-auditor", nil)
		manual := func(u *apptest.User, stationID, auditorID, date string) auditItem {
			t.Helper()
			return decodeJSON[auditItem](t, e.Must(201, callAPI(t, e, "POST", "/api/audits", u.Access, map[string]any{
				"stationId": stationID, "templateId": form.ID, "auditorUserId": auditorID, "scheduledFor": date})))
		}
		done := manual(o, audited.ID, auditor.UserID, "2026-03-02")
		e.Must(200, callAPI(t, e, "POST", "/api/audits/"+done.ID+"/start", auditor.Access, nil))
		e.Must(200, callAPI(t, e, "PUT", "/api/audits/"+done.ID+"/answers/estop", auditor.Access, map[string]any{"value": "pass"}))
		e.Must(200, callAPI(t, e, "POST", "/api/audits/"+done.ID+"/complete", auditor.Access, nil))
		manual(o, open.ID, o.UserID, "2026-03-20")

		// Off: nothing is created.
		advance(4 * 24 * time.Hour) // 6 March
		if ran, err := sched.RunSlot(ctx, slot(clock.Now())); err != nil || !ran {
			t.Fatalf("run with automatic scheduling off: ran %v, %v", ran, err)
		}
		if got := len(autoAudits(t, e, o)); got != 2 {
			t.Fatalf("%d audits with automatic scheduling off, want the 2 manual ones", got)
		}

		// On: each due station gets exactly one Scheduled audit.
		setAutoSchedule(t, e, o, true)
		advance(24 * time.Hour) // 7 March; due 2 April is within 30 days
		if ran, err := sched.RunSlot(ctx, slot(clock.Now())); err != nil || !ran {
			t.Fatalf("run: ran %v, %v", ran, err)
		}
		all := autoAudits(t, e, o)
		byStation := map[string][]auditItem{}
		for _, a := range all {
			byStation[a.StationID] = append(byStation[a.StationID], a)
		}
		for _, st := range []stationItem{due, audited} {
			as := byStation[st.ID]
			if st.ID == audited.ID {
				as = slices.DeleteFunc(slices.Clone(as), func(a auditItem) bool { return a.ID == done.ID })
			}
			if len(as) != 1 || as[0].Status != "Scheduled" || !strings.HasPrefix(as[0].ScheduledFor, "2026-04-02") {
				t.Fatalf("station %s: automatic audits %+v, want one Scheduled for 2026-04-02", st.Code, as)
			}
		}
		for _, st := range []stationItem{open, annual, inactive} {
			if n := len(byStation[st.ID]); n > 1 || (n == 1 && st.ID != open.ID) {
				t.Errorf("station %s got an automatic audit: %+v", st.Code, byStation[st.ID])
			}
		}
		gapFree(t, all, 2026)

		// The default template, the auditors and the trail.
		starter := listItems[formItem](t, e.Must(200, callAPI(t, e, "GET", "/api/forms?q=Monthly", o.Access, nil)))
		if len(starter) != 1 {
			t.Fatalf("starter template: %+v", starter)
		}
		got := map[string]auditItem{}
		for _, st := range []stationItem{due, audited} {
			for _, a := range byStation[st.ID] {
				if a.ID != done.ID {
					got[st.ID] = a
				}
			}
		}
		if a := got[audited.ID]; a.AuditorUserID != auditor.UserID || a.TemplateID != starter[0].ID {
			t.Errorf("audit of the audited station: %+v, want the last auditor %s and the starter template", a, auditor.UserID)
		}
		if a := got[due.ID]; a.AuditorUserID != o.UserID || a.TemplateID != starter[0].ID {
			t.Errorf("audit of a never-audited station: %+v, want the owner (the first member who may conduct audits)", a)
		}
		trail := listItems[hse.AuditEntry](t, e.Must(200, callAPI(t, e, "GET", "/api/audit-log?action=audit.scheduled&limit=100", o.Access, nil)))
		for _, a := range got {
			i := slices.IndexFunc(trail, func(x hse.AuditEntry) bool { return x.EntityID == a.ID })
			if i < 0 || trail[i].ActorEmail != "system" || trail[i].ActorUserID != "" || trail[i].OrgID != o.OrgID || trail[i].After["automatic"] != true {
				t.Errorf("trail of automatic audit %s: %+v", a.Number, trail)
			}
		}

		// The same slot again, or the same day directly, creates nothing.
		if ran, err := sched.RunSlot(ctx, slot(clock.Now())); err != nil || ran {
			t.Fatalf("same slot again: ran %v, %v", ran, err)
		}
		if rep, err := sched.ScheduleDue(ctx, clock.Now(), 0); err != nil || len(rep.Created) != 0 {
			t.Fatalf("same day again: %+v, %v", rep, err)
		}
		if n := len(autoAudits(t, e, o)); n != len(all) {
			t.Fatalf("%d audits after a second run, want %d", n, len(all))
		}

		// The other organization, with automatic scheduling off, is untouched.
		if as := autoAudits(t, e, other); len(as) != 0 {
			t.Errorf("organization without automatic scheduling got audits: %+v (station %s)", as, otherDue.Code)
		}

		// Two replicas run the same slot at once, while members schedule
		// by hand: each due station gets one audit, the numbers stay
		// gap-free.
		replica := apptest.NewAt(t, e.Target, apptest.WithNow(clock.Now))
		var fresh []stationItem
		for i := range 6 {
			fresh = append(fresh, autoStation(t, e, o, fmt.Sprintf("AS-NEW-%d", i), audit.Monthly))
		}
		advance(2 * 24 * time.Hour) // 9 March
		scheds := []*audit.AutoScheduler{sched, replica.App.AuditScheduler(), sched, replica.App.AuditScheduler()}
		var wg sync.WaitGroup
		ran := make([]bool, len(scheds))
		errs := make([]error, len(scheds))
		for i, s := range scheds {
			wg.Go(func() { ran[i], errs[i] = s.RunSlot(ctx, slot(clock.Now())) })
		}
		for range 3 {
			wg.Go(func() {
				r := e.Call("POST", "/api/audits", o.Access, map[string]any{
					"stationId": annual.ID, "templateId": form.ID, "auditorUserId": o.UserID, "scheduledFor": "2026-05-01"})
				if r.Status != 201 {
					t.Errorf("manual audit: %d %s", r.Status, r.Body)
				}
			})
		}
		wg.Wait()
		var runs int
		for i := range scheds {
			if errs[i] != nil {
				t.Fatalf("concurrent run: %v", errs[i])
			}
			if ran[i] {
				runs++
			}
		}
		if runs != 1 {
			t.Errorf("%d schedulers ran the slot, want 1", runs)
		}
		// Without the slot record (direct runs of the same day at once),
		// each audit is still created once. A station created today falls
		// due in a month: the period of this run is 31 days.
		fresh = append(fresh, autoStation(t, e, o, "AS-NEW-LATE", audit.Monthly))
		for _, s := range scheds {
			wg.Go(func() {
				if _, err := s.ScheduleDue(ctx, clock.Now(), 31); err != nil {
					t.Errorf("direct run: %v", err)
				}
			})
		}
		wg.Wait()
		all = autoAudits(t, e, o)
		opens := openByStation(all)
		for _, st := range fresh {
			if opens[st.ID] != 1 {
				t.Errorf("station %s: %d open audits, want 1", st.Code, opens[st.ID])
			}
		}
		gapFree(t, all, 2026)
		if as := autoAudits(t, e, other); len(as) != 0 {
			t.Errorf("organization without automatic scheduling got audits: %+v", as)
		}
	})
}

// newAutoForm publishes a one-item audit template.
func newAutoForm(t *testing.T, e *apptest.Env, u *apptest.User) formItem {
	t.Helper()
	f := decodeJSON[formItem](t, e.Must(201, callAPI(t, e, "POST", "/api/forms", u.Access, map[string]any{
		"name": "Spot check", "kind": "audit", "definition": autoDefinition()})))
	e.Must(200, callAPI(t, e, "POST", "/api/forms/"+f.ID+"/publish", u.Access, nil))
	return f
}

func TestAutoScheduleOffByConfiguration(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, "sqlite", apptest.WithEnv("HSE_AUDIT_SCHEDULE", "off"))
	if s := e.App.AuditScheduler(); s != nil {
		t.Fatalf("HSE_AUDIT_SCHEDULE=off: scheduler %+v, want none", s)
	}
}
