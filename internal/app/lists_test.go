package app_test

import (
	"context"
	"encoding/csv"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// A nextCursor is bound to the sort and the filters it was made with:
// reused with another sort or filter it is refused with 400
// CURSOR_MISMATCH, never answered with another list's page; with the
// same ones (in any order, any limit) it keeps working.
func TestListCursorBoundToSortAndFilters(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newAuditFixture(t, engine, "Cursor Fuels")
		e, o := f.e, f.owner
		newStation(t, e, o, "CUR-2", map[string]any{"region": "South"})
		newStation(t, e, o, "CUR-3", nil)
		for i := range 3 {
			f.schedule(t, o, f.station.ID, o.UserID, "2026-12-0"+string(rune('1'+i)))
		}
		next := func(path string) string {
			t.Helper()
			c := decodeJSON[struct{ NextCursor string }](t, e.Must(200, callAPI(t, e, "GET", path, o.Access, nil))).NextCursor
			if c == "" {
				t.Fatalf("%s: no nextCursor", path)
			}
			return url.QueryEscape(c)
		}
		for _, tc := range []struct{ first, same, other string }{
			{"/api/audits?limit=1&sort=number", "/api/audits?sort=number&limit=2", "/api/audits?limit=1&sort=-number"},
			{"/api/audits?limit=1", "/api/audits?limit=1", "/api/audits?limit=1&sort=createdAt"},
			{"/api/audits?limit=1&status=Scheduled&sort=number", "/api/audits?sort=number&status=Scheduled&limit=1",
				"/api/audits?limit=1&status=Scheduled"},
			{"/api/audits?limit=1&stationId=" + f.station.ID, "/api/audits?stationId=" + f.station.ID, "/api/audits?limit=1&stationId=" + f.station.ID + "&overdue=false"},
			{"/api/stations?limit=1&sort=code", "/api/stations?limit=1&sort=code&format=json", "/api/stations?limit=1&sort=-code"},
			{"/api/stations?limit=1", "/api/stations?limit=1", "/api/stations?limit=1&region=North"},
			{"/api/audit-log?limit=1", "/api/audit-log?limit=1", "/api/audit-log?limit=1&action=station.created"},
		} {
			c := next(tc.first)
			sep := "&"
			e.Must(200, callAPI(t, e, "GET", tc.same+sep+"cursor="+c, o.Access, nil))
			p := wantProblem(t, callAPI(t, e, "GET", tc.other+sep+"cursor="+c, o.Access, nil), 400, "CURSOR_MISMATCH")
			if len(p.Errors) == 0 || p.Errors[0].Field != "cursor" {
				t.Errorf("%s with the cursor of %s: %+v, want the cursor named", tc.other, tc.first, p)
			}
		}
	})
}

// A Scheduled audit past its date is overdue in the list, its filter, the
// CSV and the plan; the day it falls due, or once started, it is not.
func TestAuditOverdue(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newAuditFixture(t, engine, "Overdue Fuels")
		e, o := f.e, f.owner
		late := f.schedule(t, o, f.station.ID, o.UserID, "2026-12-20")
		today := f.schedule(t, o, f.station.ID, o.UserID, "2026-12-21")
		started := f.schedule(t, o, f.station.ID, o.UserID, "2026-12-22")
		e.Must(200, f.step(t, o, started.ID, "start"))
		future := f.schedule(t, o, f.station.ID, o.UserID, "2026-12-23")
		// Move the dates into the past as time would: a month ago, today,
		// and a week ago for the audit in progress.
		now := time.Now().UTC()
		midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		err := e.App.DB.InTx(context.Background(), sqlstore.Scope{OrgID: o.OrgID}, func(tx *sqlstore.Tx) error {
			for id, at := range map[string]time.Time{late.ID: midnight.AddDate(0, -1, 0), today.ID: midnight, started.ID: midnight.AddDate(0, 0, -7)} {
				if _, err := tx.Exec(context.Background(), `UPDATE audits SET scheduled_for = ? WHERE organization_id = ? AND id = ?`, at, o.OrgID, id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		type item struct {
			ID      string
			Overdue bool
		}
		ids := func(q string) map[string]bool {
			out := map[string]bool{}
			for _, a := range listItems[item](t, e.Must(200, callAPI(t, e, "GET", "/api/audits?"+q, o.Access, nil))) {
				out[a.ID] = a.Overdue
			}
			return out
		}
		all := ids("")
		want := map[string]bool{late.ID: true, today.ID: false, started.ID: false, future.ID: false}
		for id, w := range want {
			if got, ok := all[id]; !ok || got != w {
				t.Errorf("audit %s: overdue %v (listed %v), want %v", id, got, ok, w)
			}
		}
		if got := ids("overdue=true"); len(got) != 1 || !got[late.ID] {
			t.Errorf("overdue=true: %v, want only %s", got, late.ID)
		}
		if got := ids("overdue=false"); len(got) != 3 || got[late.ID] {
			t.Errorf("overdue=false: %v, want the other three", got)
		}
		if got := ids("overdue=true&status=In%20Progress"); len(got) != 0 {
			t.Errorf("overdue audits in progress: %v", got)
		}
		wantField(t, callAPI(t, e, "GET", "/api/audits?overdue=yes", o.Access, nil), "overdue")
		// Search: a substring of the number through the search index (3
		// characters or more), row by row below that; either case.
		number := strings.ToLower(late.Number[len(late.Number)-6:])
		if got := ids("q=" + url.QueryEscape(number)); len(got) != 1 || !got[late.ID] {
			t.Errorf("q=%s: %v, want %s", number, got, late.ID)
		}
		wantField(t, callAPI(t, e, "GET", "/api/audits?q=01", o.Access, nil), "q")
		if got := ids("q=zzz%22x"); len(got) != 0 {
			t.Errorf("q with a quote: %v", got)
		}
		rows, err := csv.NewReader(strings.NewReader(string(e.Must(200, callAPI(t, e, "GET", "/api/audits?format=csv&overdue=true", o.Access, nil)).Body))).ReadAll()
		if err != nil || len(rows) != 2 {
			t.Fatalf("csv: %v %v", rows, err)
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		if r := rows[1]; r[col["overdue"]] != "true" || r[col["id"]] != late.ID || r[col["station"]] != f.station.Name ||
			r[col["stationId"]] != f.station.ID || !strings.HasPrefix(r[col["auditor"]], "Owner ") {
			t.Errorf("csv row: %v", rows)
		}
		// The station is not due by its frequency (it was created today),
		// but its planned audit is late: the plan says overdue.
		plan := listItems[struct {
			StationID        string
			Overdue          bool
			DaysOverdue      int
			ScheduledOverdue bool
		}](t, e.Must(200, callAPI(t, e, "GET", "/api/audits/plan", o.Access, nil)))
		found := false
		for _, p := range plan {
			if p.StationID == f.station.ID {
				found = true
				if !p.Overdue || !p.ScheduledOverdue || p.DaysOverdue < 28 {
					t.Errorf("plan entry: %+v, want overdue by about a month", p)
				}
			}
		}
		if !found {
			t.Errorf("plan %+v lacks the station with a late audit", plan)
		}
	})
}

// Every list exports CSV, the audit trail and the members too.
func TestMembersAndAuditLogCSV(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		o := e.Signup("Export Fuels")
		v := e.Invite(o, "sys-viewer", nil)
		newStation(t, e, o, "EXP-1", map[string]any{"name": "=HYPERLINK(1)", "address": "+31 20 123 4567"})
		read := func(path string, hdr map[string]string) [][]string {
			t.Helper()
			r := e.Must(200, e.Do(apptest.Request{Method: "GET", Path: path, Token: o.Access, Header: hdr}))
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
				t.Fatalf("%s: Content-Type %q", path, ct)
			}
			rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			return rows
		}
		members := read("/api/members?format=csv", nil)
		if len(members) != 3 || strings.Join(members[0], ",") != "userId,name,email,emailVerified,roleId,role,stationIds,contractorId,joinedAt" {
			t.Fatalf("members csv: %v", members)
		}
		emails := members[1][2] + " " + members[2][2]
		if !strings.Contains(emails, o.Email) || !strings.Contains(emails, v.Email) {
			t.Errorf("members csv: %v", members)
		}
		if got := read("/api/members", map[string]string{"Accept": "text/csv"}); len(got) != 3 {
			t.Errorf("members with Accept: text/csv: %v", got)
		}
		if n := len(listItems[struct{ UserID string }](t, e.Must(200, callAPI(t, e, "GET", "/api/members", o.Access, nil)))); n != 2 {
			t.Errorf("members JSON: %d items", n)
		}
		log := read("/api/audit-log?format=csv&entityType=station", nil)
		if len(log) != 2 || log[0][0] != "id" || log[1][4] != "station.created" {
			t.Fatalf("audit-log csv: %v", log)
		}
		if after := log[1][8]; !strings.Contains(after, "EXP-1") {
			t.Errorf("audit-log after: %q", after)
		}
		st := read("/api/stations?format=csv", nil)
		// The formula guard quotes the name, which a spreadsheet would
		// evaluate, and leaves the phone number alone.
		if len(st) != 2 || st[1][2] != "'=HYPERLINK(1)" || st[1][5] != "+31 20 123 4567" {
			t.Errorf("stations csv: %v", st)
		}
		all := read("/api/audit-log?format=csv", nil)
		if len(all) < 4 {
			t.Errorf("audit-log csv has %d rows", len(all))
		}
		wantForbiddenNaming(t, callAPI(t, e, "GET", "/api/audit-log?format=csv", v.Access, nil), "audit_log:read")
	})
}

// The plan pages through the stations in code order and filters by
// region; a page's cursor belongs to its region and range.
func TestAuditPlanPagesAndRegion(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		o := e.Signup("Plan Pages")
		for _, c := range []string{"PP-3", "PP-1", "PP-2"} {
			region := "North"
			if c == "PP-2" {
				region = "South"
			}
			newStation(t, e, o, c, map[string]any{"region": region, "auditFrequency": "Monthly"})
		}
		type page struct {
			Items      []struct{ StationCode, Region string }
			NextCursor string
		}
		get := func(q string) page {
			return decodeJSON[page](t, e.Must(200, callAPI(t, e, "GET", "/api/audits/plan?to=2099-01-01&"+q, o.Access, nil)))
		}
		var codes []string
		q := "limit=2"
		for range 3 {
			p := get(q)
			for _, it := range p.Items {
				codes = append(codes, it.StationCode)
			}
			if p.NextCursor == "" {
				break
			}
			q = "limit=2&cursor=" + url.QueryEscape(p.NextCursor)
		}
		if strings.Join(codes, ",") != "PP-1,PP-2,PP-3" {
			t.Errorf("pages: %v", codes)
		}
		if all := get(""); len(all.Items) != 3 || all.NextCursor != "" {
			t.Errorf("without limit: %+v", all)
		}
		south := get("region=South")
		if len(south.Items) != 1 || south.Items[0].StationCode != "PP-2" {
			t.Errorf("region=South: %+v", south)
		}
		first := get("limit=1")
		wantProblem(t, callAPI(t, e, "GET", "/api/audits/plan?to=2099-01-01&region=South&limit=1&cursor="+url.QueryEscape(first.NextCursor), o.Access, nil), 400, "CURSOR_MISMATCH")
	})
}
