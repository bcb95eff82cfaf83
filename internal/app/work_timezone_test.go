package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// TestDaysFollowTheOrganizationTimeZone: at 20:00 UTC on 3 June it is
// already 4 June in Auckland. An Auckland organization's "today", default
// due days, overdue flags and the overdue job follow Auckland; a UTC
// organization's follow UTC; a station with its own zone follows that.
func TestDaysFollowTheOrganizationTimeZone(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Date(2026, 6, 3, 20, 0, 0, 0, time.UTC))
		e := apptest.New(t, engine, apptest.WithNow(clock.Now))
		nz, utc := e.Signup("Auckland Fuels"), e.Signup("Greenwich Fuels")
		for _, bad := range []string{"Mars/Olympus_Mons", "Local", "+12:00"} {
			wantField(t, callAPI(t, e, "PATCH", "/api/organizations/"+nz.OrgID, nz.Access,
				map[string]any{"settings": map[string]any{"timeZone": bad}}), "settings.timeZone")
		}
		e.Must(200, callAPI(t, e, "PATCH", "/api/organizations/"+nz.OrgID, nz.Access, map[string]any{"settings": map[string]any{"timeZone": "Pacific/Auckland"}}))

		// 3 June is already past in Auckland, not in UTC.
		wantField(t, callAPI(t, e, "POST", "/api/actions", nz.Access, map[string]any{"title": "Late", "dueOn": "2026-06-03"}), "dueOn")
		newAction(t, e, utc, map[string]any{"title": "Due today in UTC", "dueOn": "2026-06-03"})
		// Defaults count from the local day: 30 days from 4 June.
		if a := newAction(t, e, nz, map[string]any{"title": "Default due"}); a.DueOn != "2026-07-04" {
			t.Errorf("Auckland default due %s, want 2026-07-04", a.DueOn)
		}
		if a := newAction(t, e, utc, map[string]any{"title": "Default due"}); a.DueOn != "2026-07-03" {
			t.Errorf("UTC default due %s, want 2026-07-03", a.DueOn)
		}
		nzDue := newAction(t, e, nz, map[string]any{"title": "Due 4 June", "dueOn": "2026-06-04"})
		utcDue := newAction(t, e, utc, map[string]any{"title": "Due 4 June", "dueOn": "2026-06-04"})
		// A station in Perth (UTC+8) of the Auckland organization.
		perth := newStation(t, e, nz, "PER-1", map[string]any{"timeZone": "Australia/Perth"})
		wantField(t, callAPI(t, e, "POST", "/api/stations", nz.Access, map[string]any{"code": "BAD-TZ", "name": "Bad", "timeZone": "Perth"}), "timeZone")
		if got := decodeJSON[struct{ TimeZone string }](t, e.Must(200, callAPI(t, e, "GET", "/api/stations/"+perth.ID, nz.Access, nil))); got.TimeZone != "Australia/Perth" {
			t.Errorf("station zone %q", got.TimeZone)
		}
		perthDue := newAction(t, e, nz, map[string]any{"title": "Due 4 June in Perth", "dueOn": "2026-06-04", "stationId": perth.ID})

		// 4 June 13:00 UTC: 5 June 01:00 in Auckland, 21:00 on 4 June in Perth.
		clock.Advance(17 * time.Hour)
		e.Login(nz)
		e.Login(utc)
		overdue := func(u *apptest.User) map[string]bool {
			out := map[string]bool{}
			for _, a := range listItems[actionItem](t, e.Must(200, callAPI(t, e, "GET", "/api/actions?overdue=true", u.Access, nil))) {
				out[a.ID] = a.Overdue
			}
			return out
		}
		if got := overdue(nz); !got[nzDue.ID] {
			t.Errorf("Auckland: due 4 June is overdue on 5 June; overdue list %v", got)
		}
		if got := overdue(utc); got[utcDue.ID] {
			t.Errorf("UTC: due 4 June is not overdue on 4 June; overdue list %v", got)
		}
		job := e.App.OverdueJob()
		if _, err := job.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		announced := func(orgID, id string) bool {
			for _, ev := range eventsOf(t, e, orgID, "action", id) {
				if ev.Type == "action:overdue" {
					return true
				}
			}
			return false
		}
		if !announced(nz.OrgID, nzDue.ID) || announced(utc.OrgID, utcDue.ID) || announced(nz.OrgID, perthDue.ID) {
			t.Errorf("overdue events: Auckland %v, UTC %v (want true, false), Perth station %v (want false)",
				announced(nz.OrgID, nzDue.ID), announced(utc.OrgID, utcDue.ID), announced(nz.OrgID, perthDue.ID))
		}
		// 5 June 12:00 UTC: past 4 June everywhere.
		clock.Advance(23 * time.Hour)
		if _, err := job.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		if !announced(utc.OrgID, utcDue.ID) || !announced(nz.OrgID, perthDue.ID) {
			t.Errorf("a day later the UTC and Perth actions are overdue too")
		}
	})
}
