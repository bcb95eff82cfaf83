package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

type stationItem struct {
	ID, Code, Name, Region, RiskCategory, AuditFrequency string
	ManagerUserIDs                                       []string
	Active                                               bool
	Version                                              int64
	Latitude                                             *float64
}

// newStation creates a station through the API and returns it.
func newStation(t *testing.T, e *apptest.Env, u *apptest.User, code string, extra map[string]any) stationItem {
	t.Helper()
	body := map[string]any{"code": code, "name": "Station " + code, "region": "North"}
	for k, v := range extra {
		body[k] = v
	}
	return decodeJSON[stationItem](t, e.Must(201, callAPI(t, e, "POST", "/api/stations", u.Access, body)))
}

func patchStation(t *testing.T, e *apptest.Env, u *apptest.User, id, ifMatch string, body map[string]any) *apptest.Response {
	t.Helper()
	h := map[string]string{}
	if ifMatch != "" {
		h["If-Match"] = ifMatch
	}
	return doAPI(t, e, apptest.Request{Method: "PATCH", Path: "/api/stations/" + id, Token: u.Access, Body: body, Header: h})
}

func TestStationLifecycle(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Stations Co")
		mgr := e.Invite(owner, "sys-viewer", nil)

		r := e.Must(201, callAPI(t, e, "POST", "/api/stations", owner.Access, map[string]any{
			"code": "ST-001", "name": "Harbour Road", "brand": "Shell", "region": "North", "latitude": 51.5, "longitude": -0.12,
			"riskCategory": "High", "auditFrequency": "Monthly", "managerUserIds": []string{mgr.UserID}}))
		s := decodeJSON[stationItem](t, r)
		if r.Header.Get("ETag") != `"1"` || s.Version != 1 || !s.Active || s.RiskCategory != "High" || len(s.ManagerUserIDs) != 1 {
			t.Fatalf("created: etag %q %+v", r.Header.Get("ETag"), s)
		}
		got := e.Must(200, callAPI(t, e, "GET", "/api/stations/"+s.ID, owner.Access, nil))
		if got.Header.Get("ETag") != `"1"` {
			t.Errorf("GET ETag = %q", got.Header.Get("ETag"))
		}

		// A change needs the version it is based on.
		wantProblem(t, patchStation(t, e, owner, s.ID, "", map[string]any{"name": "X"}), http.StatusPreconditionRequired, "PRECONDITION_REQUIRED")
		r = e.Must(200, patchStation(t, e, owner, s.ID, `"1"`, map[string]any{"name": "Harbour Road North"}))
		if r.Header.Get("ETag") != `"2"` || decodeJSON[stationItem](t, r).Name != "Harbour Road North" {
			t.Fatalf("patch: %s %s", r.Header.Get("ETag"), r.Body)
		}
		// A stale version is refused and changes nothing.
		wantProblem(t, patchStation(t, e, owner, s.ID, `"1"`, map[string]any{"name": "Overwrite"}), http.StatusPreconditionFailed, "STALE_VERSION")
		// The body's version works as well as If-Match.
		e.Must(200, patchStation(t, e, owner, s.ID, "", map[string]any{"region": "South", "version": 2}))
		cur := decodeJSON[stationItem](t, e.Must(200, callAPI(t, e, "GET", "/api/stations/"+s.ID, owner.Access, nil)))
		if cur.Name != "Harbour Road North" || cur.Region != "South" || cur.Version != 3 {
			t.Errorf("after changes: %+v", cur)
		}

		// Deactivating keeps the station, inactive.
		e.Must(204, callAPI(t, e, "DELETE", "/api/stations/"+s.ID, owner.Access, nil))
		cur = decodeJSON[stationItem](t, e.Must(200, callAPI(t, e, "GET", "/api/stations/"+s.ID, owner.Access, nil)))
		if cur.Active || cur.Version != 4 {
			t.Errorf("after deactivation: %+v", cur)
		}
		e.Must(204, callAPI(t, e, "DELETE", "/api/stations/"+s.ID, owner.Access, nil))

		// Every change is in the audit trail with before and after.
		log := string(e.Must(200, callAPI(t, e, "GET", "/api/audit-log?entityType=station&entityId="+s.ID, owner.Access, nil)).Body)
		for _, want := range []string{"station.created", "station.updated", "station.deactivated", `"name":"Harbour Road"`, `"name":"Harbour Road North"`} {
			if !strings.Contains(log, want) {
				t.Errorf("audit trail lacks %s: %s", want, log)
			}
		}
		if n := strings.Count(log, "station.deactivated"); n != 1 {
			t.Errorf("%d deactivation entries, want 1 (the second delete changed nothing)", n)
		}
	})
}

func TestStationValidation(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Validation Co")
		other := e.Signup("Someone Else")
		for _, c := range []struct {
			field string
			body  map[string]any
		}{
			{"code", map[string]any{"code": "bad code", "name": "X"}},
			{"code", map[string]any{"name": "X"}},
			{"code", map[string]any{"code": strings.Repeat("A", 33), "name": "X"}},
			{"name", map[string]any{"code": "A1"}},
			{"riskCategory", map[string]any{"code": "A1", "name": "X", "riskCategory": "Extreme"}},
			{"auditFrequency", map[string]any{"code": "A1", "name": "X", "auditFrequency": "Weekly"}},
			{"latitude", map[string]any{"code": "A1", "name": "X", "latitude": 91}},
			{"longitude", map[string]any{"code": "A1", "name": "X", "longitude": -181}},
			{"managerUserIds", map[string]any{"code": "A1", "name": "X", "managerUserIds": []string{other.UserID}}},
		} {
			wantField(t, callAPI(t, e, "POST", "/api/stations", owner.Access, c.body), c.field)
		}
		s := newStation(t, e, owner, "DUP-1", nil)
		wantProblem(t, callAPI(t, e, "POST", "/api/stations", owner.Access, map[string]any{"code": "DUP-1", "name": "Again"}), 409, "STATION_CODE_TAKEN")
		// Another organization may use the same code.
		newStation(t, e, other, "DUP-1", nil)
		wantField(t, patchStation(t, e, owner, s.ID, `"1"`, map[string]any{"managerUserIds": []string{other.UserID}}), "managerUserIds")
		// Hours: a month as YYYY-MM and 0..1,000,000 hours.
		wantField(t, callAPI(t, e, "PUT", "/api/stations/"+s.ID+"/hours/2026-13", owner.Access, map[string]any{"hours": 10}), "month")
		wantField(t, callAPI(t, e, "PUT", "/api/stations/"+s.ID+"/hours/2026-01", owner.Access, map[string]any{"hours": -1}), "hours")
		wantField(t, callAPI(t, e, "PUT", "/api/stations/"+s.ID+"/hours/2026-01", owner.Access, map[string]any{"hours": 1000001}), "hours")
		// Another organization's station is not found.
		wantProblem(t, callAPI(t, e, "GET", "/api/stations/"+s.ID, other.Access, nil), 404, "NOT_FOUND")
	})
}

func TestStationHours(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Hours Co")
		s := newStation(t, e, owner, "H-1", nil)
		for m, h := range map[string]float64{"2026-01": 1200, "2026-02": 1100.5, "2026-03": 0} {
			e.Must(200, callAPI(t, e, "PUT", "/api/stations/"+s.ID+"/hours/"+m, owner.Access, map[string]any{"hours": h}))
		}
		e.Must(200, callAPI(t, e, "PUT", "/api/stations/"+s.ID+"/hours/2026-01", owner.Access, map[string]any{"hours": 1250}))
		type hours struct {
			Month string
			Hours float64
		}
		got := listItems[hours](t, e.Must(200, callAPI(t, e, "GET", "/api/stations/"+s.ID+"/hours?from=2026-01&to=2026-02", owner.Access, nil)))
		if len(got) != 2 || got[0] != (hours{"2026-01", 1250}) || got[1] != (hours{"2026-02", 1100.5}) {
			t.Errorf("hours = %+v", got)
		}
		log := string(e.Must(200, callAPI(t, e, "GET", "/api/audit-log?action=station.hours_recorded", owner.Access, nil)).Body)
		if !strings.Contains(log, `"before":{"hours":1200,"month":"2026-01"}`) {
			t.Errorf("the replaced figure is not in the audit trail: %s", log)
		}
	})
}

func TestStationPermissionsAndScope(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Scope Co")
		mine := newStation(t, e, owner, "MINE-1", nil)
		theirs := newStation(t, e, owner, "THEIRS-1", nil)
		cm := e.Invite(owner, "sys-compliance_manager", nil)
		auditor := e.Invite(owner, "sys-auditor", nil)
		viewer := e.Invite(owner, "sys-viewer", nil)
		sm := e.Invite(owner, "sys-station_manager", map[string]any{"stationIds": []string{mine.ID}})
		contractorID := "contractor-x"
		con := e.Invite(owner, "sys-contractor", map[string]any{"contractorId": contractorID})

		// Who may create.
		newStation(t, e, cm, "CM-1", nil)
		for _, u := range []*apptest.User{auditor, viewer, sm, con} {
			wantForbiddenNaming(t, callAPI(t, e, "POST", "/api/stations", u.Access, map[string]any{"code": "NO-1", "name": "No"}), "stations:create")
		}
		// Who may change and deactivate.
		e.Must(200, patchStation(t, e, cm, theirs.ID, `"1"`, map[string]any{"brand": "BP"}))
		wantForbiddenNaming(t, callAPI(t, e, "DELETE", "/api/stations/"+theirs.ID, cm.Access, nil), "stations:delete")
		wantForbiddenNaming(t, patchStation(t, e, sm, mine.ID, `"1"`, map[string]any{"brand": "BP"}), "stations:update")
		wantForbiddenNaming(t, callAPI(t, e, "PUT", "/api/stations/"+mine.ID+"/hours/2026-01", viewer.Access, map[string]any{"hours": 1}), "stations:update")

		codes := func(u *apptest.User) string {
			var out []string
			for _, s := range listItems[stationItem](t, e.Must(200, callAPI(t, e, "GET", "/api/stations?sort=code", u.Access, nil))) {
				out = append(out, s.Code)
			}
			return strings.Join(out, ",")
		}
		for u, want := range map[*apptest.User]string{viewer: "CM-1,MINE-1,THEIRS-1", auditor: "CM-1,MINE-1,THEIRS-1", sm: "MINE-1", con: ""} {
			if got := codes(u); got != want {
				t.Errorf("list for %s: %q, want %q", u.Email, got, want)
			}
		}
		// Out of scope is not found.
		e.Must(200, callAPI(t, e, "GET", "/api/stations/"+mine.ID, sm.Access, nil))
		wantProblem(t, callAPI(t, e, "GET", "/api/stations/"+theirs.ID, sm.Access, nil), 404, "NOT_FOUND")
		wantProblem(t, callAPI(t, e, "GET", "/api/stations/"+theirs.ID+"/hours", sm.Access, nil), 404, "NOT_FOUND")
		wantProblem(t, callAPI(t, e, "GET", "/api/stations/"+mine.ID, con.Access, nil), 404, "NOT_FOUND")
	})
}

func TestStationConcurrentPatches(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Race Co")
		s := newStation(t, e, owner, "RACE-1", nil)
		const n = 8
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := e.Do(apptest.Request{Method: "PATCH", Path: "/api/stations/" + s.ID, Token: owner.Access,
					Body: map[string]any{"name": fmt.Sprintf("Writer %d", i)}, Header: map[string]string{"If-Match": `"1"`}})
				statuses[i] = r.Status
			}()
		}
		wg.Wait()
		won := 0
		for _, st := range statuses {
			switch st {
			case 200:
				won++
			case http.StatusPreconditionFailed:
			default:
				t.Errorf("status %d, want 200 or 412", st)
			}
		}
		if won != 1 {
			t.Errorf("%d writers won, want exactly 1: %v", won, statuses)
		}
		cur := decodeJSON[stationItem](t, e.Must(200, callAPI(t, e, "GET", "/api/stations/"+s.ID, owner.Access, nil)))
		if cur.Version != 2 {
			t.Errorf("version %d after one winning write, want 2", cur.Version)
		}
	})
}

func TestStationListAndCSV(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("List Co")
		for i := range 7 {
			region := "North"
			if i%2 == 1 {
				region = "South"
			}
			newStation(t, e, owner, fmt.Sprintf("L-%02d", i), map[string]any{"region": region, "name": fmt.Sprintf("Name %d", 7-i)})
		}
		newStation(t, e, owner, "F-1", map[string]any{"name": "=HYPERLINK(\"http://x\")", "riskCategory": "Critical"})
		// Pages of 3, following nextCursor, visit every station once in order.
		var seen []string
		cursor := ""
		for range 10 {
			r := decodeJSON[struct {
				Items      []stationItem
				NextCursor string
			}](t, e.Must(200, callAPI(t, e, "GET", "/api/stations?limit=3&sort=-code&cursor="+cursor, owner.Access, nil)))
			for _, s := range r.Items {
				seen = append(seen, s.Code)
			}
			if cursor = r.NextCursor; cursor == "" {
				break
			}
		}
		if got := strings.Join(seen, ","); got != "L-06,L-05,L-04,L-03,L-02,L-01,L-00,F-1" {
			t.Errorf("pages: %s", got)
		}
		count := func(q string) int {
			return len(listItems[stationItem](t, e.Must(200, callAPI(t, e, "GET", "/api/stations?"+q, owner.Access, nil))))
		}
		for q, want := range map[string]int{"region=South": 3, "riskCategory=Critical": 1, "q=l-0": 7, "q=name%203": 1, "active=false": 0, "active=true": 8} {
			if got := count(q); got != want {
				t.Errorf("%s: %d stations, want %d", q, got, want)
			}
		}
		wantField(t, callAPI(t, e, "GET", "/api/stations?sort=brand", owner.Access, nil), "sort")
		wantField(t, callAPI(t, e, "GET", "/api/stations?cursor=garbage", owner.Access, nil), "cursor")

		r := e.Must(200, callAPI(t, e, "GET", "/api/stations?format=csv&region=North", owner.Access, nil))
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("Content-Type %q", ct)
		}
		lines := strings.Split(strings.TrimSpace(string(r.Body)), "\n")
		if lines[0] != "id,code,name,brand,region,address,latitude,longitude,riskCategory,auditFrequency,active,createdAt" || len(lines) != 6 {
			t.Errorf("csv:\n%s", r.Body)
		}
		r = e.Must(200, e.Do(apptest.Request{Method: "GET", Path: "/api/stations?q=F-1", Token: owner.Access, Header: map[string]string{"Accept": "text/csv"}}))
		if !strings.Contains(string(r.Body), `'=HYPERLINK`) {
			t.Errorf("formula not defused:\n%s", r.Body)
		}
	})
}

// fillSitesTables adds rows to the station, contractor and action tables
// for the backup round trip.
func fillSitesTables(t *testing.T, e *apptest.Env, owner *apptest.User) {
	t.Helper()
	s := newStation(t, e, owner, "BACKUP-SITE-1", map[string]any{"latitude": 51.5, "longitude": -0.12})
	e.Must(200, e.Call("PUT", "/api/stations/"+s.ID+"/hours/2026-01", owner.Access, map[string]any{"hours": 1234.5}))
	c := newContractor(t, e, owner, "Backup Contracting", nil)
	e.Must(201, e.Call("POST", "/api/contractors/"+c.ID+"/documents", owner.Access, map[string]any{"type": "insurance", "number": "BK-1", "expiresOn": "2030-01-01"}))
	newAction(t, e, owner, map[string]any{"title": "Backup action", "stationId": s.ID, "assigneeId": owner.UserID})
}
