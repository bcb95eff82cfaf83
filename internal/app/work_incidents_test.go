package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// investigatedIncident is the part of an incident these tests read.
type investigatedIncident struct {
	ID, Status, InvestigatorID, InvestigationDueOn, ClosureReason string
	InvestigationOverdue                                          bool
	ResolvedAt                                                    *time.Time
	Version                                                       int64
}

// TestIncidentInvestigatorAndCloseWithoutAction names an investigator
// (checked, defaulted due day, mailed, overdue after the due day) and
// closes an incident that needs no action straight from investigation,
// with its reason recorded.
func TestIncidentInvestigatorAndCloseWithoutAction(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		e := apptest.New(t, engine, apptest.WithNow(clock.Now))
		owner := e.Signup("Investigating Co")
		st := newStation(t, e, owner, "INV-1", nil)
		other := newStation(t, e, owner, "INV-2", nil)
		sm := e.Invite(owner, "sys-station_manager", map[string]any{"stationIds": []string{st.ID}})
		elsewhere := e.Invite(owner, "sys-station_manager", map[string]any{"stationIds": []string{other.ID}})
		viewer := e.Invite(owner, "sys-viewer", nil)
		cm := e.Invite(owner, "sys-compliance_manager", nil)
		inc := reportIncident(t, e, sm, incidentBody(st.ID, clock.Now().Add(-time.Hour), map[string]any{"severity": "High"}))
		path := "/api/incidents/" + inc.ID + "/investigator"

		// Only someone who may investigate at the station can be named.
		for _, who := range []string{viewer.UserID, elsewhere.UserID, "no-such-user", ""} {
			wantField(t, callAPI(t, e, "PUT", path, owner.Access, map[string]any{"investigatorId": who}), "investigatorId")
		}
		wantForbiddenNaming(t, callAPI(t, e, "PUT", path, viewer.Access, map[string]any{"investigatorId": sm.UserID}), "incidents:investigate")
		wantField(t, callAPI(t, e, "PUT", path, owner.Access, map[string]any{"investigatorId": sm.UserID, "investigationDueOn": "2026-03-01"}), "investigationDueOn")
		wantField(t, callAPI(t, e, "PUT", path, owner.Access, map[string]any{"investigatorId": sm.UserID, "investigationDueOn": "soon"}), "investigationDueOn")

		e.Mail.Reset()
		got := decodeJSON[investigatedIncident](t, e.Must(200, callAPI(t, e, "PUT", path, owner.Access, map[string]any{"investigatorId": sm.UserID})))
		if got.InvestigatorID != sm.UserID || got.InvestigationDueOn != "2026-03-16" || got.InvestigationOverdue {
			t.Fatalf("assigned: %+v (High: 14 days)", got)
		}
		if _, err := e.App.Relay.Round(context.Background()); err != nil {
			t.Fatal(err)
		}
		if m := e.Mail.WaitFor(t, sm.Email, "investigation_assigned"); !strings.Contains(m.Text, "2026-03-16") {
			t.Errorf("mail: %+v", m)
		}
		if h := incidentHistory(t, e, owner, inc.ID); !strings.Contains(h, "investigator_assigned") {
			t.Errorf("history: %s", h)
		}
		// A stale version is refused.
		wantProblem(t, doAPI(t, e, apptest.Request{Method: "PUT", Path: path, Token: owner.Access, Header: map[string]string{"If-Match": `"1"`},
			Body: map[string]any{"investigatorId": cm.UserID}}), 412, "STALE_VERSION")

		clock.Advance(15 * 24 * time.Hour)
		for _, u := range []*apptest.User{owner, sm, cm} {
			e.Login(u) // the access tokens expired meanwhile
		}
		got = decodeJSON[investigatedIncident](t, e.Must(200, callAPI(t, e, "GET", "/api/incidents/"+inc.ID, sm.Access, nil)))
		if !got.InvestigationOverdue {
			t.Errorf("past the due day: %+v", got)
		}

		// Closing from investigation needs the reason, and no open action.
		e.Must(200, incidentMove(t, e, sm, inc.ID, "investigate", nil))
		wantField(t, incidentMove(t, e, cm, inc.ID, "close", nil), "reason")
		ac := decodeJSON[actionItem](t, e.Must(201, callAPI(t, e, "POST", "/api/incidents/"+inc.ID+"/actions", sm.Access,
			map[string]any{"title": "Check the hose", "assigneeId": sm.UserID})))
		wantProblem(t, incidentMove(t, e, cm, inc.ID, "close", map[string]any{"reason": "nothing to do"}), 409, "INCIDENT_ACTIONS_OPEN")
		e.Must(200, move(t, e, sm, ac.ID, "start", map[string]any{}))
		e.Must(200, move(t, e, sm, ac.ID, "complete", map[string]any{"notes": "checked"}))
		e.Must(200, move(t, e, cm, ac.ID, "verify", nil))
		closed := decodeJSON[investigatedIncident](t, e.Must(200, incidentMove(t, e, cm, inc.ID, "close",
			map[string]any{"reason": "Hose checked; no further action needed"})))
		if closed.Status != "Closed" || closed.ClosureReason != "Hose checked; no further action needed" || closed.ResolvedAt == nil || closed.InvestigationOverdue {
			t.Fatalf("closed: %+v", closed)
		}
		if h := incidentHistory(t, e, owner, inc.ID); !strings.Contains(h, "status_changed:Under Investigation>Closed") {
			t.Errorf("history: %s", h)
		}
		wantProblem(t, callAPI(t, e, "PUT", path, owner.Access, map[string]any{"investigatorId": cm.UserID}), 409, "INCIDENT_CLOSED")
		reopened := decodeJSON[investigatedIncident](t, e.Must(200, incidentMove(t, e, cm, inc.ID, "reopen", map[string]any{"reason": "new evidence"})))
		if reopened.ClosureReason != "" || reopened.ResolvedAt != nil {
			t.Errorf("reopened: %+v", reopened)
		}
	})
}
