package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// TestFindingActionsFollowTheAssignmentRule completes one failing audit
// under each setting of settings.actionAssignment: the station's manager
// by default, the auditor, or nobody; the assignee is mailed once the
// outbox delivers the action's creation, and nobody else is.
func TestFindingActionsFollowTheAssignmentRule(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newAuditFixture(t, engine, "Rule Fuels")
		e, o := f.e, f.owner
		sm := e.Invite(o, "sys-station_manager", map[string]any{"stationIds": []string{f.station.ID}})
		auditor := e.Invite(o, "sys-auditor", nil)
		e.Must(200, patchStation(t, e, o, f.station.ID, `"1"`, map[string]any{"managerUserIds": []string{sm.UserID}}))
		wantField(t, callAPI(t, e, "PATCH", "/api/organizations/"+o.OrgID, o.Access,
			map[string]any{"settings": map[string]any{"actionAssignment": "whoever"}}), "settings.actionAssignment")

		for i, tc := range []struct{ rule, want string }{
			{"", sm.UserID}, {"auditor", auditor.UserID}, {"unassigned", ""}, {"stationManagers", sm.UserID},
		} {
			settings := map[string]any{}
			if tc.rule != "" {
				settings["actionAssignment"] = tc.rule
			}
			e.Must(200, callAPI(t, e, "PATCH", "/api/organizations/"+o.OrgID, o.Access, map[string]any{"settings": settings}))
			e.Mail.Reset()
			a := f.schedule(t, o, f.station.ID, auditor.UserID, "2026-12-0"+string(rune('1'+i)))
			e.Must(200, f.step(t, auditor, a.ID, "start"))
			for k, v := range map[string]any{"extinguishers": "pass", "delivery": "yes", "zone": "pass"} {
				e.Must(200, f.answer(t, auditor, a.ID, k, map[string]any{"value": v}))
			}
			e.Must(200, f.answer(t, auditor, a.ID, "estop", map[string]any{"value": "fail", "note": "label missing"}))
			e.Must(200, f.step(t, auditor, a.ID, "complete"))
			actions := listItems[actionItem](t, e.Must(200, callAPI(t, e, "GET", "/api/actions?sourceType=finding&q="+a.Number, o.Access, nil)))
			if len(actions) != 1 || actions[0].AssigneeID != tc.want {
				t.Fatalf("rule %q: actions %+v, want assignee %q", tc.rule, actions, tc.want)
			}
			if _, err := e.App.Relay.Round(context.Background()); err != nil {
				t.Fatal(err)
			}
			mails := e.Mail.Messages()
			switch {
			case tc.want == sm.UserID:
				m := e.Mail.WaitFor(t, sm.Email, "action_assigned")
				if !strings.Contains(m.Subject, actions[0].Number) || !strings.Contains(m.Text, "/actions/"+actions[0].ID) {
					t.Errorf("mail: %+v", m)
				}
				if len(mails) != 1 {
					t.Errorf("rule %q: %d mails, want 1", tc.rule, len(mails))
				}
			case tc.want == auditor.UserID:
				// The auditor raised it: nobody is told of their own work.
				if len(mails) != 0 {
					t.Errorf("rule %q: mails %+v", tc.rule, mails)
				}
			default:
				if len(mails) != 0 {
					t.Errorf("unassigned: mails %+v", mails)
				}
			}
		}

		// A reassignment tells the new assignee.
		e.Mail.Reset()
		actions := listItems[actionItem](t, e.Must(200, callAPI(t, e, "GET", "/api/actions?sourceType=finding&assigneeId=", o.Access, nil)))
		var open actionItem
		for _, ac := range actions {
			if ac.AssigneeID == "" {
				open = ac
			}
		}
		if open.ID == "" {
			t.Fatalf("no unassigned action in %+v", actions)
		}
		e.Must(200, e.Do(apptest.Request{Method: "PATCH", Path: "/api/actions/" + open.ID, Token: o.Access,
			Body: map[string]any{"assigneeId": auditor.UserID}, Header: map[string]string{"If-Match": `"1"`}}))
		if _, err := e.App.Relay.Round(context.Background()); err != nil {
			t.Fatal(err)
		}
		e.Mail.WaitFor(t, auditor.Email, "action_assigned")
	})
}
