package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

type incidentItem struct {
	ID, Number, StationID, Type, Severity, Status, ReporterID, Description, Location string
	AllowedTransitions                                                               []string
	AttachmentIDs                                                                    []string
	People                                                                           []struct{ Name, Role, Injury string }
	Investigation                                                                    struct {
		RootCauses, Whys, ContributingFactors []string
		Findings                              string
	}
	Recordkeeping struct {
		Recordable                                  bool
		DaysAway, DaysRestricted                    int
		Fatality, Hospitalised, Amputation, EyeLoss bool
	}
	OccurredAt, ReportedAt                  time.Time
	RegulatoryDeadline, RegulatorReportedAt *time.Time
	ResolvedAt                              *time.Time
	Overdue                                 bool
	Version                                 int64
}

type incidentEvent struct {
	Kind, FromStatus, ToStatus, Note, ActorID string
}

// incidentBody is a valid report at station that occurred at.
func incidentBody(station string, at time.Time, extra map[string]any) map[string]any {
	b := map[string]any{"stationId": station, "type": "Spill / Environmental", "severity": "Medium",
		"occurredAt": at.Format(time.RFC3339), "description": "Diesel spill at pump 3 during delivery", "location": "Pump 3",
		"immediateActions": "Spill kit used, area barricaded"}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

func reportIncident(t *testing.T, e *apptest.Env, u *apptest.User, body map[string]any) incidentItem {
	t.Helper()
	return decodeJSON[incidentItem](t, e.Must(201, callAPI(t, e, "POST", "/api/incidents", u.Access, body)))
}

func incidentMove(t *testing.T, e *apptest.Env, u *apptest.User, id, m string, body map[string]any) *apptest.Response {
	t.Helper()
	if body == nil {
		return callAPI(t, e, "POST", "/api/incidents/"+id+"/"+m, u.Access, nil)
	}
	return callAPI(t, e, "POST", "/api/incidents/"+id+"/"+m, u.Access, body)
}

func incidentHistory(t *testing.T, e *apptest.Env, u *apptest.User, id string) string {
	t.Helper()
	var kinds []string
	for _, h := range listItems[incidentEvent](t, e.Must(200, callAPI(t, e, "GET", "/api/incidents/"+id+"/history", u.Access, nil))) {
		kinds = append(kinds, h.Kind+":"+h.FromStatus+">"+h.ToStatus)
	}
	return strings.Join(kinds, ",")
}

// The whole life of an incident: reported, investigated, an action raised
// from it blocks closing until it is verified, closed, reopened; every
// step in the history, the audit trail and the outbox.
func TestIncidentLifecycle(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		e := apptest.New(t, engine, apptest.WithNow(clock.Now))
		owner := e.Signup("Incident Co")
		st := newStation(t, e, owner, "INC-ST-1", nil)
		sm := e.Invite(owner, "sys-station_manager", map[string]any{"stationIds": []string{st.ID}})
		cm := e.Invite(owner, "sys-compliance_manager", nil)

		inc := reportIncident(t, e, sm, incidentBody(st.ID, clock.Now().Add(-2*time.Hour), map[string]any{
			"people": []map[string]any{{"name": "A. Driver", "role": "contractor", "injury": "Skin irritation", "bodyPart": "Hand", "treatment": "First aid"}}}))
		if inc.Number != "INC-2026-0001" || inc.Status != "Reported" || inc.ReporterID != sm.UserID || inc.Version != 1 ||
			len(inc.People) != 1 || inc.RegulatoryDeadline != nil || !inc.ReportedAt.Equal(clock.Now()) {
			t.Fatalf("reported: %+v", inc)
		}
		if got := strings.Join(inc.AllowedTransitions, ","); got != "Under Investigation" {
			t.Errorf("allowed from Reported: %s", got)
		}
		// Closing or reopening a fresh report is not in the lifecycle.
		p := wantProblem(t, incidentMove(t, e, owner, inc.ID, "close", nil), 409, "INVALID_TRANSITION")
		if !strings.Contains(p.Detail, "Reported") {
			t.Errorf("detail %q", p.Detail)
		}
		wantProblem(t, incidentMove(t, e, owner, inc.ID, "require-action", nil), 409, "INVALID_TRANSITION")
		// The investigation is recorded once the investigation started.
		wantProblem(t, doAPI(t, e, apptest.Request{Method: "PUT", Path: "/api/incidents/" + inc.ID + "/investigation", Token: sm.Access,
			Body: map[string]any{"rootCauses": []string{"Process"}, "version": 1}}), 409, "NOT_UNDER_INVESTIGATION")

		e.Must(200, incidentMove(t, e, sm, inc.ID, "investigate", nil))
		inv := decodeJSON[incidentItem](t, e.Must(200, doAPI(t, e, apptest.Request{Method: "PUT", Path: "/api/incidents/" + inc.ID + "/investigation",
			Token: sm.Access, Header: map[string]string{"If-Match": `"2"`}, Body: map[string]any{
				"rootCauses": []string{"Process", "Equipment"}, "whys": []string{"Hose split", "Hose past its inspection date", "No inspection schedule"},
				"contributingFactors": []string{"Night delivery"}, "findings": "The delivery hose was not inspected."}})))
		if inv.Version != 3 || strings.Join(inv.Investigation.RootCauses, ",") != "Process,Equipment" || len(inv.Investigation.Whys) != 3 {
			t.Errorf("investigation: %+v", inv)
		}
		e.Must(200, incidentMove(t, e, sm, inc.ID, "require-action", nil))

		// An action raised from the incident blocks closing until verified.
		ac := decodeJSON[actionItem](t, e.Must(201, callAPI(t, e, "POST", "/api/incidents/"+inc.ID+"/actions", sm.Access,
			map[string]any{"title": "Inspect delivery hoses monthly", "assigneeId": sm.UserID, "severity": "Major"})))
		if ac.SourceType != "incident" || ac.StationID != st.ID || ac.Priority != "Medium" || ac.DueOn != "2026-03-16" || !strings.HasPrefix(ac.Number, "CA-2026-") {
			t.Errorf("action: %+v", ac)
		}
		listed := listItems[actionItem](t, e.Must(200, callAPI(t, e, "GET", "/api/incidents/"+inc.ID+"/actions", sm.Access, nil)))
		if len(listed) != 1 || listed[0].ID != ac.ID {
			t.Errorf("incident actions: %+v", listed)
		}
		// The station manager may investigate but not close.
		wantForbiddenNaming(t, incidentMove(t, e, sm, inc.ID, "close", nil), "incidents:close")
		r := incidentMove(t, e, cm, inc.ID, "close", nil)
		wantProblem(t, r, 409, "INCIDENT_ACTIONS_OPEN")
		if !strings.Contains(string(r.Body), `"openActions":1`) {
			t.Errorf("close refusal: %s", r.Body)
		}
		e.Must(200, move(t, e, sm, ac.ID, "start", nil))
		e.Must(200, move(t, e, sm, ac.ID, "complete", map[string]any{"notes": "Schedule in place"}))
		wantProblem(t, incidentMove(t, e, cm, inc.ID, "close", nil), 409, "INCIDENT_ACTIONS_OPEN")
		e.Must(200, move(t, e, cm, ac.ID, "verify", nil))
		clock.Advance(10 * time.Minute)
		closed := decodeJSON[incidentItem](t, e.Must(200, incidentMove(t, e, cm, inc.ID, "close", nil)))
		if closed.Status != "Closed" || closed.ResolvedAt == nil || !closed.ResolvedAt.Equal(clock.Now()) || len(closed.AllowedTransitions) != 1 {
			t.Errorf("closed: %+v", closed)
		}
		// Closed is closed to edits and new actions until reopened.
		wantProblem(t, doAPI(t, e, apptest.Request{Method: "PATCH", Path: "/api/incidents/" + inc.ID, Token: cm.Access,
			Body: map[string]any{"location": "Pump 4", "version": closed.Version}}), 409, "INCIDENT_CLOSED")
		wantProblem(t, callAPI(t, e, "POST", "/api/incidents/"+inc.ID+"/actions", cm.Access, map[string]any{"title": "x"}), 409, "INCIDENT_CLOSED")
		wantProblem(t, incidentMove(t, e, cm, inc.ID, "investigate", nil), 409, "INVALID_TRANSITION")
		wantField(t, incidentMove(t, e, cm, inc.ID, "reopen", nil), "reason")
		reopened := decodeJSON[incidentItem](t, e.Must(200, incidentMove(t, e, cm, inc.ID, "reopen", map[string]any{"reason": "Second spill at the same pump"})))
		if reopened.Status != "Under Investigation" || reopened.ResolvedAt != nil {
			t.Errorf("reopened: %+v", reopened)
		}

		want := "created:>Reported,status_changed:Reported>Under Investigation,investigation_updated:>," +
			"status_changed:Under Investigation>Action Required,action_raised:>,status_changed:Action Required>Closed," +
			"reopened:Closed>Under Investigation"
		if got := incidentHistory(t, e, owner, inc.ID); got != want {
			t.Errorf("history:\n got %s\nwant %s", got, want)
		}
		log := string(e.Must(200, callAPI(t, e, "GET", "/api/audit-log?entityType=incident&entityId="+inc.ID, owner.Access, nil)).Body)
		for _, w := range []string{"incident.created", "incident.investigate", "incident.investigation_updated", "incident.require-action",
			"incident.action_raised", "incident.close", "incident.reopen"} {
			if !strings.Contains(log, `"`+w+`"`) {
				t.Errorf("audit trail lacks %s", w)
			}
		}
		events, err := e.App.DB.Outbox().Events(context.Background(), owner.OrgID, "incident", inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, ev := range events {
			types = append(types, ev.Type)
		}
		wantTypes := "incident:created,incident:status_changed,incident:updated,incident:status_changed,incident:action_raised," +
			"incident:status_changed,incident:status_changed,incident:reopened"
		if got := strings.Join(types, ","); got != wantTypes {
			t.Errorf("events:\n got %s\nwant %s", got, wantTypes)
		}
		if ev := events[len(events)-3]; ev.Payload["from"] != "Action Required" || ev.Payload["to"] != "Closed" ||
			ev.Payload["number"] != "INC-2026-0001" || ev.ActorUserID != cm.UserID {
			t.Errorf("status change event: %+v", ev)
		}
	})
}

// A fatality sets an 8-hour deadline, a hospitalisation 24 hours; both are
// in the events alerts read, and overdue follows the clock until the
// regulator report is recorded.
func TestIncidentRegulatoryDeadline(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		start := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		clock := apptest.NewClock(start)
		e := apptest.New(t, engine, apptest.WithNow(clock.Now))
		owner := e.Signup("Deadline Co")
		st := newStation(t, e, owner, "DL-1", nil)
		occurred := start.Add(-time.Hour)
		fatal := reportIncident(t, e, owner, incidentBody(st.ID, occurred, map[string]any{"type": "Injury", "severity": "Critical",
			"recordkeeping": map[string]any{"recordable": true, "fatality": true}}))
		if fatal.RegulatoryDeadline == nil || !fatal.RegulatoryDeadline.Equal(occurred.Add(8*time.Hour)) || fatal.Overdue {
			t.Fatalf("fatality deadline: %+v", fatal.RegulatoryDeadline)
		}
		hosp := reportIncident(t, e, owner, incidentBody(st.ID, occurred, map[string]any{"type": "Injury", "severity": "High"}))
		if hosp.RegulatoryDeadline != nil {
			t.Fatalf("no deadline without a reportable outcome: %v", hosp.RegulatoryDeadline)
		}
		// Learning later that the person was admitted sets the deadline.
		hosp = decodeJSON[incidentItem](t, e.Must(200, doAPI(t, e, apptest.Request{Method: "PATCH", Path: "/api/incidents/" + hosp.ID, Token: owner.Access,
			Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"recordkeeping": map[string]any{"hospitalised": true, "daysAway": 12}}})))
		if hosp.RegulatoryDeadline == nil || !hosp.RegulatoryDeadline.Equal(occurred.Add(24*time.Hour)) || hosp.Recordkeeping.DaysAway != 12 {
			t.Fatalf("hospitalisation: %+v", hosp)
		}
		for id, want := range map[string]time.Time{fatal.ID: occurred.Add(8 * time.Hour), hosp.ID: occurred.Add(24 * time.Hour)} {
			events, err := e.App.DB.Outbox().Events(context.Background(), owner.OrgID, "incident", id)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, ev := range events {
				if ev.Type == "incident:deadline_set" {
					found = true
					if d, _ := time.Parse(time.RFC3339, fmt.Sprint(ev.Payload["deadline"])); !d.Equal(want) {
						t.Errorf("deadline_set payload: %v", ev.Payload)
					}
				}
			}
			if !found {
				t.Errorf("no incident:deadline_set for %s", id)
			}
		}

		overdue := func() string {
			var out []string
			for _, i := range listItems[incidentItem](t, e.Must(200, callAPI(t, e, "GET", "/api/incidents?overdue=true&sort=number", owner.Access, nil))) {
				out = append(out, i.Number)
			}
			return strings.Join(out, ",")
		}
		if got := overdue(); got != "" {
			t.Errorf("overdue at once: %s", got)
		}
		clock.Advance(8 * time.Hour) // 9 h after: the fatality is overdue
		e.Login(owner)
		if got := overdue(); got != fatal.Number {
			t.Errorf("overdue after 9 h: %q", got)
		}
		clock.Advance(24 * time.Hour)
		e.Login(owner)
		if got := overdue(); got != fatal.Number+","+hosp.Number {
			t.Errorf("overdue after 33 h: %q", got)
		}
		g := decodeJSON[incidentItem](t, e.Must(200, callAPI(t, e, "GET", "/api/incidents/"+fatal.ID, owner.Access, nil)))
		if !g.Overdue {
			t.Errorf("get: not overdue")
		}
		wantField(t, doAPI(t, e, apptest.Request{Method: "PATCH", Path: "/api/incidents/" + fatal.ID, Token: owner.Access,
			Body: map[string]any{"regulatorReportedAt": clock.Now().Add(time.Hour).Format(time.RFC3339), "version": 1}}), "regulatorReportedAt")
		rep := decodeJSON[incidentItem](t, e.Must(200, doAPI(t, e, apptest.Request{Method: "PATCH", Path: "/api/incidents/" + fatal.ID, Token: owner.Access,
			Body: map[string]any{"regulatorReportedAt": start.Add(5 * time.Hour).Format(time.RFC3339), "version": 1}})))
		if rep.Overdue || rep.RegulatorReportedAt == nil {
			t.Errorf("reported: %+v", rep)
		}
		if got := overdue(); got != hosp.Number {
			t.Errorf("overdue after reporting the fatality: %q", got)
		}
		if h := incidentHistory(t, e, owner, fatal.ID); h != "created:>Reported,regulator_reported:>" {
			t.Errorf("history: %s", h)
		}
	})
}

func patchIncident(t *testing.T, e *apptest.Env, u *apptest.User, id, ifMatch string, body map[string]any) *apptest.Response {
	t.Helper()
	h := map[string]string{}
	if ifMatch != "" {
		h["If-Match"] = ifMatch
	}
	return doAPI(t, e, apptest.Request{Method: "PATCH", Path: "/api/incidents/" + id, Token: u.Access, Body: body, Header: h})
}

// Concurrent edits of one version: one wins, the others get 412 with the
// current version; an edit without a version is 428.
func TestIncidentConcurrentEdits(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Incident Race")
		st := newStation(t, e, owner, "IR-1", nil)
		inc := reportIncident(t, e, owner, incidentBody(st.ID, time.Now().Add(-time.Hour), nil))
		wantProblem(t, patchIncident(t, e, owner, inc.ID, "", map[string]any{"location": "x"}), http.StatusPreconditionRequired, "PRECONDITION_REQUIRED")
		const n = 8
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.Do(apptest.Request{Method: "PATCH", Path: "/api/incidents/" + inc.ID, Token: owner.Access,
					Body: map[string]any{"location": fmt.Sprintf("Writer %d", i)}, Header: map[string]string{"If-Match": `"1"`}}).Status
			}()
		}
		wg.Wait()
		won := 0
		for _, s := range statuses {
			if s == 200 {
				won++
			} else if s != http.StatusPreconditionFailed {
				t.Errorf("status %d", s)
			}
		}
		if won != 1 {
			t.Errorf("%d writers won, want 1: %v", won, statuses)
		}
		r := patchIncident(t, e, owner, inc.ID, `"1"`, map[string]any{"location": "late"})
		wantProblem(t, r, http.StatusPreconditionFailed, "STALE_VERSION")
		if !strings.Contains(string(r.Body), `"currentVersion":2`) {
			t.Errorf("412 without the current version: %s", r.Body)
		}
		// Moves take an optional version too.
		wantProblem(t, doAPI(t, e, apptest.Request{Method: "POST", Path: "/api/incidents/" + inc.ID + "/investigate", Token: owner.Access,
			Header: map[string]string{"If-Match": `"1"`}}), http.StatusPreconditionFailed, "STALE_VERSION")
		r = e.Must(200, patchIncident(t, e, owner, inc.ID, `"2"`, map[string]any{"severity": "High"}))
		if r.Header.Get("ETag") != `"3"` {
			t.Errorf("ETag %q", r.Header.Get("ETag"))
		}
		// An edit that changes nothing makes no new version.
		r = e.Must(200, patchIncident(t, e, owner, inc.ID, `"3"`, map[string]any{"severity": "High"}))
		if r.Header.Get("ETag") != `"3"` {
			t.Errorf("no-op ETag %q", r.Header.Get("ETag"))
		}
	})
}

// fillIncidentTables gives the backup round trip an incident with its
// history, an action raised from it and a linked attachment.
func fillIncidentTables(t *testing.T, e *apptest.Env, owner *apptest.User) {
	t.Helper()
	st := newStation(t, e, owner, "BACKUP-INC-1", nil)
	att := insertAttachment(t, e, owner)
	i := reportIncident(t, e, owner, incidentBody(st.ID, time.Now().Add(-time.Hour), map[string]any{"attachmentIds": []string{att},
		"people": []map[string]any{{"name": "Backup Person"}}}))
	e.Must(200, callAPI(t, e, "POST", "/api/incidents/"+i.ID+"/investigate", owner.Access, nil))
	e.Must(201, callAPI(t, e, "POST", "/api/incidents/"+i.ID+"/actions", owner.Access, map[string]any{"title": "Backup incident action"}))
}

// insertAttachment uploads a photo and returns its id.
func insertAttachment(t *testing.T, e *apptest.Env, owner *apptest.User) string {
	t.Helper()
	return uploadID(t, e, owner.Access, "spill.jpg", testJPEG(t, 64, 48))
}

// wantUnknownAttachment fails unless r refuses an attachment id that is
// not a file of the organization, naming the field.
func wantUnknownAttachment(t *testing.T, r *apptest.Response, field string) {
	t.Helper()
	p := wantProblem(t, r, 422, "UNKNOWN_ATTACHMENT")
	if len(p.Errors) != 1 || p.Errors[0].Field != field {
		t.Errorf("unknown attachment: want field %s: %s", field, r.Body)
	}
}

// Who may report, see and change which incidents.
func TestIncidentPermissionsAndScope(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Incident Scope")
		other := e.Signup("Incident Scope Other")
		mine := newStation(t, e, owner, "IS-1", nil)
		theirs := newStation(t, e, owner, "IS-2", nil)
		foreign := newStation(t, e, other, "IS-1", nil)
		sm := e.Invite(owner, "sys-station_manager", map[string]any{"stationIds": []string{mine.ID}})
		auditor := e.Invite(owner, "sys-auditor", nil)
		viewer := e.Invite(owner, "sys-viewer", nil)
		c := newContractor(t, e, owner, "Tankers Ltd", nil)
		con := e.Invite(owner, "sys-contractor", map[string]any{"contractorId": c.ID})
		at := time.Now().Add(-time.Hour)

		atMine := reportIncident(t, e, sm, incidentBody(mine.ID, at, map[string]any{"description": "At my station"}))
		atTheirs := reportIncident(t, e, auditor, incidentBody(theirs.ID, at, map[string]any{"description": "At their station"}))
		// Contractors report at any station of the organization.
		byContractor := reportIncident(t, e, con, incidentBody(theirs.ID, at, map[string]any{"description": "By the contractor"}))

		wantForbiddenNaming(t, callAPI(t, e, "POST", "/api/incidents", viewer.Access, incidentBody(mine.ID, at, nil)), "incidents:report")
		// A station manager reports only at their own stations.
		wantProblem(t, callAPI(t, e, "POST", "/api/incidents", sm.Access, incidentBody(theirs.ID, at, nil)), 404, "NOT_FOUND")
		wantProblem(t, callAPI(t, e, "POST", "/api/incidents", owner.Access, incidentBody(foreign.ID, at, nil)), 404, "NOT_FOUND")
		wantProblem(t, callAPI(t, e, "POST", "/api/incidents", con.Access, incidentBody(foreign.ID, at, nil)), 404, "NOT_FOUND")

		descriptions := func(u *apptest.User) string {
			var out []string
			for _, i := range listItems[incidentItem](t, e.Must(200, callAPI(t, e, "GET", "/api/incidents?sort=number", u.Access, nil))) {
				out = append(out, i.Description)
			}
			return strings.Join(out, ",")
		}
		all := "At my station,At their station,By the contractor"
		for u, want := range map[*apptest.User]string{owner: all, viewer: all, auditor: all, sm: "At my station", con: "By the contractor"} {
			if got := descriptions(u); got != want {
				t.Errorf("%s sees %q, want %q", u.Email, got, want)
			}
		}
		e.Must(200, callAPI(t, e, "GET", "/api/incidents/"+byContractor.ID, con.Access, nil))
		e.Must(200, callAPI(t, e, "GET", "/api/incidents/"+byContractor.ID+"/history", con.Access, nil))
		for _, path := range []string{"/api/incidents/" + atTheirs.ID, "/api/incidents/" + atTheirs.ID + "/history", "/api/incidents/" + atTheirs.ID + "/actions"} {
			wantProblem(t, callAPI(t, e, "GET", path, sm.Access, nil), 404, "NOT_FOUND")
			wantProblem(t, callAPI(t, e, "GET", path, con.Access, nil), 404, "NOT_FOUND")
			wantProblem(t, callAPI(t, e, "GET", path, other.Access, nil), 404, "NOT_FOUND")
		}

		// Changes name the missing permission; out of scope is not found.
		wantForbiddenNaming(t, incidentMove(t, e, auditor, atTheirs.ID, "investigate", nil), "incidents:investigate")
		wantForbiddenNaming(t, incidentMove(t, e, con, byContractor.ID, "investigate", nil), "incidents:investigate")
		wantForbiddenNaming(t, patchIncident(t, e, con, byContractor.ID, `"1"`, map[string]any{"location": "x"}), "incidents:investigate")
		wantForbiddenNaming(t, callAPI(t, e, "POST", "/api/incidents/"+atMine.ID+"/actions", viewer.Access, map[string]any{"title": "x"}), "incidents:investigate")
		wantForbiddenNaming(t, incidentMove(t, e, sm, atMine.ID, "reopen", map[string]any{"reason": "x"}), "incidents:close")
		wantProblem(t, incidentMove(t, e, sm, atTheirs.ID, "investigate", nil), 404, "NOT_FOUND")
		wantProblem(t, patchIncident(t, e, sm, atTheirs.ID, `"1"`, map[string]any{"location": "x"}), 404, "NOT_FOUND")
		wantProblem(t, callAPI(t, e, "POST", "/api/incidents/"+atTheirs.ID+"/actions", sm.Access, map[string]any{"title": "x"}), 404, "NOT_FOUND")
		// Moving an incident to a station out of scope is refused too.
		wantProblem(t, patchIncident(t, e, sm, atMine.ID, `"1"`, map[string]any{"stationId": theirs.ID}), 404, "NOT_FOUND")
		e.Must(200, incidentMove(t, e, sm, atMine.ID, "investigate", nil))
		wantField(t, callAPI(t, e, "POST", "/api/incidents/"+atMine.ID+"/actions", sm.Access, map[string]any{"title": "x", "assigneeId": other.UserID}), "assigneeId")
		wantProblem(t, callAPI(t, e, "GET", "/api/incidents/"+atMine.ID, other.Access, nil), 404, "NOT_FOUND")
	})
}

// Every field is validated and named.
func TestIncidentValidation(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Incident Checks")
		st := newStation(t, e, owner, "IV-1", nil)
		now := time.Now()
		long := strings.Repeat("x", 10001)
		for field, extra := range map[string]map[string]any{
			"type":                         {"type": "Alien landing"},
			"severity":                     {"severity": "Huge"},
			"occurredAt":                   {"occurredAt": now.Add(time.Hour).Format(time.RFC3339)},
			"description":                  {"description": "  "},
			"location":                     {"location": strings.Repeat("y", 301)},
			"people[0].name":               {"people": []map[string]any{{"name": ""}}},
			"recordkeeping.daysAway":       {"recordkeeping": map[string]any{"daysAway": 181}},
			"recordkeeping.daysRestricted": {"recordkeeping": map[string]any{"daysRestricted": -1}},
			"stationId":                    {"stationId": ""},
		} {
			wantField(t, callAPI(t, e, "POST", "/api/incidents", owner.Access, incidentBody(st.ID, now.Add(-time.Hour), extra)), field)
		}
		wantUnknownAttachment(t, callAPI(t, e, "POST", "/api/incidents", owner.Access, incidentBody(st.ID, now.Add(-time.Hour),
			map[string]any{"attachmentIds": []string{insertAttachment(t, e, owner), "never-uploaded"}})), "attachmentIds[1]")
		wantProblem(t, callAPI(t, e, "POST", "/api/incidents", owner.Access, incidentBody(st.ID, now.AddDate(-6, 0, 0), nil)), 400, "VALIDATION_FAILED")
		wantProblem(t, callAPI(t, e, "POST", "/api/incidents", owner.Access, incidentBody(st.ID, now, map[string]any{"description": long})), 400, "VALIDATION_FAILED")

		// A known attachment links; an unknown one in an edit changes nothing.
		att := insertAttachment(t, e, owner)
		i := reportIncident(t, e, owner, incidentBody(st.ID, now.Add(-time.Hour), map[string]any{"attachmentIds": []string{att}}))
		if strings.Join(i.AttachmentIDs, ",") != att {
			t.Errorf("attachments: %v", i.AttachmentIDs)
		}
		wantUnknownAttachment(t, patchIncident(t, e, owner, i.ID, `"1"`, map[string]any{"attachmentIds": []string{att, "nope"}}), "attachmentIds[1]")
		links := func() int {
			var n int
			ctx := context.Background()
			if err := e.App.DB.InTx(ctx, sqlstore.Scope{OrgID: owner.OrgID, ReadOnly: true}, func(tx *sqlstore.Tx) error {
				return tx.QueryRow(ctx, `SELECT COUNT(*) FROM attachment_links WHERE organization_id = ? AND entity_type = 'incident' AND entity_id = ?`,
					owner.OrgID, i.ID).Scan(&n)
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := links(); n != 1 {
			t.Errorf("%d links after a refused edit, want 1", n)
		}
		e.Must(200, patchIncident(t, e, owner, i.ID, `"1"`, map[string]any{"attachmentIds": []string{}}))
		if n := links(); n != 0 {
			t.Errorf("%d links after removing them, want 0", n)
		}

		e.Must(200, incidentMove(t, e, owner, i.ID, "investigate", nil))
		put := func(body map[string]any) *apptest.Response {
			return doAPI(t, e, apptest.Request{Method: "PUT", Path: "/api/incidents/" + i.ID + "/investigation", Token: owner.Access, Body: body})
		}
		wantField(t, put(map[string]any{"rootCauses": []string{"Bad luck"}, "version": 3}), "investigation.rootCauses[0]")
		wantField(t, put(map[string]any{"rootCauses": []string{"People", "People"}, "version": 3}), "investigation.rootCauses[1]")
		wantField(t, put(map[string]any{"whys": []string{"a", " "}, "version": 3}), "investigation.whys[1]")
		wantProblem(t, put(map[string]any{"whys": []string{"1", "2", "3", "4", "5", "6"}, "version": 3}), 400, "VALIDATION_FAILED")
		wantProblem(t, put(map[string]any{"findings": "x"}), http.StatusPreconditionRequired, "PRECONDITION_REQUIRED")
		e.Must(200, put(map[string]any{"whys": []string{"1", "2", "3", "4", "5"}, "version": 3}))
	})
}

// Filters, pages and the CSV export of the incident list.
func TestIncidentListsAndCSV(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Date(2026, 5, 20, 9, 0, 0, 0, time.UTC))
		e := apptest.New(t, engine, apptest.WithNow(clock.Now))
		owner := e.Signup("Incident Lists")
		a := newStation(t, e, owner, "IL-1", nil)
		b := newStation(t, e, owner, "IL-2", nil)
		day := func(d int) time.Time { return time.Date(2026, 5, d, 10, 0, 0, 0, time.UTC) }
		reportIncident(t, e, owner, incidentBody(a.ID, day(1), map[string]any{"description": "Forklift near miss", "type": "Near Miss", "severity": "Low"}))
		reportIncident(t, e, owner, incidentBody(b.ID, day(5), map[string]any{"description": "Hand burn", "type": "Injury", "severity": "High",
			"recordkeeping": map[string]any{"recordable": true, "daysAway": 3}}))
		reportIncident(t, e, owner, incidentBody(a.ID, day(10), map[string]any{"description": "=HYPERLINK(\"x\")", "type": "Fire", "severity": "Critical",
			"location": "Shop 100%"}))
		reportIncident(t, e, owner, incidentBody(b.ID, day(18), map[string]any{"description": "Fall from ladder", "type": "Injury", "severity": "Critical",
			"recordkeeping": map[string]any{"recordable": true, "hospitalised": true}}))
		descs := func(q string) string {
			var out []string
			for _, i := range listItems[incidentItem](t, e.Must(200, callAPI(t, e, "GET", "/api/incidents?"+q, owner.Access, nil))) {
				out = append(out, i.Description)
			}
			return strings.Join(out, ",")
		}
		for q, want := range map[string]string{
			"":                                 "Fall from ladder,=HYPERLINK(\"x\"),Hand burn,Forklift near miss",
			"sort=occurredAt":                  "Forklift near miss,Hand burn,=HYPERLINK(\"x\"),Fall from ladder",
			"type=Injury":                      "Fall from ladder,Hand burn",
			"severity=Critical":                "Fall from ladder,=HYPERLINK(\"x\")",
			"stationId=" + a.ID:                "=HYPERLINK(\"x\"),Forklift near miss",
			"status=Reported&limit=2":          "Fall from ladder,=HYPERLINK(\"x\")",
			"status=Closed":                    "",
			"from=2026-05-05&to=2026-05-10":    "=HYPERLINK(\"x\"),Hand burn",
			"from=2026-05-05T10:00:01Z":        "Fall from ladder,=HYPERLINK(\"x\")",
			"recordable=true":                  "Fall from ladder,Hand burn",
			"recordable=false":                 "=HYPERLINK(\"x\"),Forklift near miss",
			"overdue=true":                     "Fall from ladder",
			"q=100%25":                         "=HYPERLINK(\"x\")",
			"q=LADDER":                         "Fall from ladder",
			"sort=-severity&type=Injury":       "Fall from ladder,Hand burn",
			"sort=number&stationId=" + b.ID:    "Hand burn,Fall from ladder",
			"type=Spill%20%2F%20Environmental": "",
			"sort=reportedAt&severity=Low":     "Forklift near miss",
			"sort=createdAt&limit=1":           "Forklift near miss",
		} {
			if got := descs(q); got != want {
				t.Errorf("%s:\n got %q\nwant %q", q, got, want)
			}
		}
		// Paging by severity visits each incident once, in order.
		var seen []string
		cursor := ""
		for range 10 {
			pg := decodeJSON[struct {
				Items      []incidentItem
				NextCursor string
			}](t, e.Must(200, callAPI(t, e, "GET", "/api/incidents?sort=severity&limit=1&cursor="+cursor, owner.Access, nil)))
			for _, i := range pg.Items {
				seen = append(seen, i.Severity)
			}
			if cursor = pg.NextCursor; cursor == "" {
				break
			}
		}
		if got := strings.Join(seen, ","); got != "Low,High,Critical,Critical" {
			t.Errorf("severity pages: %s", got)
		}
		wantField(t, callAPI(t, e, "GET", "/api/incidents?from=May", owner.Access, nil), "from")
		wantField(t, callAPI(t, e, "GET", "/api/incidents?type=Alien", owner.Access, nil), "type")
		wantField(t, callAPI(t, e, "GET", "/api/incidents?sort=description", owner.Access, nil), "sort")
		wantField(t, callAPI(t, e, "GET", "/api/incidents?cursor=%25%25", owner.Access, nil), "cursor")

		r := e.Must(200, callAPI(t, e, "GET", "/api/incidents?format=csv&sort=number", owner.Access, nil))
		lines := strings.Split(strings.TrimSpace(string(r.Body)), "\n")
		if len(lines) != 5 || lines[0] != "number,occurredAt,reportedAt,stationId,station,reporterId,reporter,type,severity,status,description,location,people,recordable,daysAway,"+
			"daysRestricted,regulatoryDeadline,regulatorReportedAt,overdue,resolvedAt" {
			t.Fatalf("csv:\n%s", r.Body)
		}
		// Names beside ids: the station's and the reporter's.
		if !strings.HasPrefix(lines[2], "INC-2026-0002,2026-05-05T10:00:00Z,2026-05-20T09:00:00Z,"+b.ID+","+b.Name+","+owner.UserID+",Owner ") ||
			!strings.Contains(lines[2], ",Injury,High,Reported,Hand burn,Pump 3,0,true,3,0,,,false,") ||
			!strings.Contains(lines[3], `'=HYPERLINK`) || !strings.Contains(lines[4], "2026-05-19T10:00:00Z,,true,") {
			t.Errorf("csv rows:\n%s", r.Body)
		}
	})
}
