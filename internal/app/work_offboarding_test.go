package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// openWorkProblem is the 409 OPEN_WORK of a member who still has work.
type openWorkProblem struct {
	Code    string
	Details struct {
		OpenWork []struct{ Kind, ID, Number, Status, StationID string }
	}
}

// TestRemovingMemberWithOpenWork refuses to remove a compliance manager
// who still conducts an audit, holds an action and investigates an
// incident, until reassignTo names someone who may take all of it over;
// then the work moves in the same transaction, recorded in the records'
// histories and the audit trail, and the new holder is mailed.
func TestRemovingMemberWithOpenWork(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		w := newPermitWorld(t, engine)
		e, o := w.e, w.owner
		cm2 := e.Invite(o, "sys-compliance_manager", nil)
		form := newPublishedForm(t, e, o, "Site audit", simpleDefinition())
		au := decodeJSON[auditItem](t, e.Must(201, callAPI(t, e, "POST", "/api/audits", o.Access, map[string]any{
			"stationId": w.station.ID, "templateId": form.ID, "auditorUserId": w.cm.UserID, "scheduledFor": "2026-06-01"})))
		ac := decodeJSON[actionItem](t, e.Must(201, callAPI(t, e, "POST", "/api/actions", o.Access,
			map[string]any{"title": "Relabel the e-stop", "assigneeId": w.cm.UserID, "stationId": w.station.ID})))
		inc := reportIncident(t, e, w.sm, incidentBody(w.station.ID, w.clock.Now().Add(-1e9), nil))
		e.Must(200, callAPI(t, e, "PUT", "/api/incidents/"+inc.ID+"/investigator", o.Access, map[string]any{"investigatorId": w.cm.UserID}))

		p := decodeJSON[openWorkProblem](t, wantProblemResponse(t, callAPI(t, e, "DELETE", "/api/members/"+w.cm.UserID, o.Access, nil), 409, "OPEN_WORK"))
		var kinds []string
		for _, it := range p.Details.OpenWork {
			kinds = append(kinds, it.Kind+":"+it.Number)
		}
		if got, want := strings.Join(kinds, ","), "action:"+ac.Number+",audit:"+au.Number+",investigation:"+inc.Number; got != want {
			t.Fatalf("open work %s, want %s", got, want)
		}
		for _, to := range []string{w.viewer.UserID, w.sm.UserID, w.cm.UserID, "nobody"} {
			wantField(t, callAPI(t, e, "DELETE", "/api/members/"+w.cm.UserID+"?reassignTo="+to, o.Access, nil), "reassignTo")
		}
		// Refusals changed nothing: the member is still there.
		e.Must(200, callAPI(t, e, "GET", "/api/actions/"+ac.ID, w.cm.Access, nil))

		e.Mail.Reset()
		e.Must(204, callAPI(t, e, "DELETE", "/api/members/"+w.cm.UserID+"?reassignTo="+cm2.UserID, o.Access, nil))
		if got := decodeJSON[auditItem](t, e.Must(200, callAPI(t, e, "GET", "/api/audits/"+au.ID, o.Access, nil))); got.AuditorUserID != cm2.UserID || got.Version != au.Version+1 {
			t.Errorf("audit: %+v", got)
		}
		if got := decodeJSON[actionItem](t, e.Must(200, callAPI(t, e, "GET", "/api/actions/"+ac.ID, o.Access, nil))); got.AssigneeID != cm2.UserID {
			t.Errorf("action: %+v", got)
		}
		if got := decodeJSON[investigatedIncident](t, e.Must(200, callAPI(t, e, "GET", "/api/incidents/"+inc.ID, o.Access, nil))); got.InvestigatorID != cm2.UserID {
			t.Errorf("incident: %+v", got)
		}
		if h := string(e.Must(200, callAPI(t, e, "GET", "/api/actions/"+ac.ID+"/history", o.Access, nil)).Body); !strings.Contains(h, cm2.UserID) {
			t.Errorf("action history: %s", h)
		}
		if h := incidentHistory(t, e, o, inc.ID); strings.Count(h, "investigator_assigned") != 2 {
			t.Errorf("incident history: %s", h)
		}
		log := string(e.Must(200, callAPI(t, e, "GET", "/api/audit-log", o.Access, nil)).Body)
		if !strings.Contains(log, "member.removed") || !strings.Contains(log, `"reassignedTo":"`+cm2.UserID) {
			t.Errorf("audit log: %s", log)
		}
		if _, err := e.App.Relay.Round(context.Background()); err != nil {
			t.Fatal(err)
		}
		e.Mail.WaitFor(t, cm2.Email, "action_assigned")
		e.Mail.WaitFor(t, cm2.Email, "investigation_assigned")

		// A member without open work goes at once.
		e.Must(204, callAPI(t, e, "DELETE", "/api/members/"+w.viewer.UserID, o.Access, nil))
	})
}

// TestSuspendingContractorUserWithOpenWork suspends a contractor's staff
// member whose permit request is open: refused until a colleague of the
// same company takes it over; a suspended member cannot act until
// reactivated.
func TestSuspendingContractorUserWithOpenWork(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		w := newPermitWorld(t, engine)
		e, o := w.e, w.owner
		colleague := e.Invite(o, "sys-contractor", map[string]any{"contractorId": w.company.ID})
		rival := newContractor(t, e, o, "Other Works", nil)
		stranger := e.Invite(o, "sys-contractor", map[string]any{"contractorId": rival.ID})
		pm := w.request(t, w.con, nil)

		path := "/api/members/" + w.con.UserID + "/suspend"
		p := decodeJSON[openWorkProblem](t, wantProblemResponse(t, callAPI(t, e, "POST", path, o.Access, nil), 409, "OPEN_WORK"))
		if len(p.Details.OpenWork) != 1 || p.Details.OpenWork[0].Kind != "permit" || p.Details.OpenWork[0].ID != pm.ID {
			t.Fatalf("open work: %+v", p.Details.OpenWork)
		}
		wantForbiddenNaming(t, callAPI(t, e, "POST", path, w.sm.Access, map[string]any{"reassignTo": colleague.UserID}), "users:update")
		wantField(t, callAPI(t, e, "POST", path, o.Access, map[string]any{"reassignTo": stranger.UserID}), "reassignTo")
		wantProblem(t, callAPI(t, e, "POST", "/api/members/"+o.UserID+"/suspend", o.Access, nil), 409, "SELF_SUSPEND")

		e.Must(204, callAPI(t, e, "POST", path, o.Access, map[string]any{"reassignTo": colleague.UserID}))
		wantProblem(t, callAPI(t, e, "GET", "/api/permits", w.con.Access, nil), 403, "MEMBER_SUSPENDED")
		if got := decodeJSON[permitItem](t, e.Must(200, callAPI(t, e, "GET", "/api/permits/"+pm.ID, colleague.Access, nil))); got.RequestedBy != colleague.UserID {
			t.Errorf("permit after the hand-over: %+v", got)
		}
		members := listItems[struct {
			UserID    string
			Suspended bool
		}](t, e.Must(200, callAPI(t, e, "GET", "/api/members", o.Access, nil)))
		for _, m := range members {
			if m.Suspended != (m.UserID == w.con.UserID) {
				t.Errorf("member %+v", m)
			}
		}
		// Nothing new goes to a suspended member.
		wantField(t, callAPI(t, e, "POST", "/api/actions", o.Access, map[string]any{"title": "x", "assigneeId": w.con.UserID}), "assigneeId")

		e.Must(204, callAPI(t, e, "POST", "/api/members/"+w.con.UserID+"/reactivate", o.Access, nil))
		e.Must(200, callAPI(t, e, "GET", "/api/permits", w.con.Access, nil))
	})
}

// wantProblemResponse is wantProblem that returns the response, to decode
// the problem's details.
func wantProblemResponse(t *testing.T, r *apptest.Response, status int, code string) *apptest.Response {
	t.Helper()
	wantProblem(t, r, status, code)
	return r
}
