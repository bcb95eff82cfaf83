package app_test

import (
	"slices"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

type bulkView struct {
	Created []programmeAudit
	Skipped []struct{ StationID, Reason string }
}

// TestScheduleFromPlanAndApplyFrequency: the plan's due stations are
// scheduled in one call, and its risk-driven frequency suggestion is
// applied to the station and its schedule in one call, the schedule's
// future audits following.
func TestScheduleFromPlanAndApplyFrequency(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		e := apptest.New(t, engine, apptest.WithNow(clock.Now))
		o := e.Signup("Plan Fuels")
		a1 := e.Invite(o, "sys-auditor", nil)
		viewer := e.Invite(o, "sys-viewer", nil)
		form := newAutoForm(t, e, o)
		p1 := newStation(t, e, o, "PB-1", map[string]any{"auditFrequency": "Monthly"})
		p2 := newStation(t, e, o, "PB-2", map[string]any{"auditFrequency": "Monthly"})
		p3 := newStation(t, e, o, "PB-3", map[string]any{"auditFrequency": "Quarterly"})
		byHand := decodeJSON[programmeAudit](t, e.Must(201, callAPI(t, e, "POST", "/api/audits", o.Access, map[string]any{"stationId": p2.ID,
			"templateId": form.ID, "auditorUserId": a1.UserID, "scheduledFor": "2026-03-20"})))
		if h := auditHistory(t, e, a1, byHand.ID); len(h) != 1 || h[0].Kind != "scheduled" || h[0].ActorID != o.UserID {
			t.Errorf("history of an audit scheduled by hand: %+v", h)
		}

		bulk := func(u *apptest.User, body map[string]any) *apptest.Response {
			return callAPI(t, e, "POST", "/api/audits/plan/schedule", u.Access, body)
		}
		wantProblem(t, bulk(a1, map[string]any{"templateId": form.ID}), 403, "")
		wantField(t, bulk(o, map[string]any{"templateId": form.ID, "from": "2026-05-01", "to": "2026-04-01"}), "to")
		// Nobody the call names may audit: everything is skipped.
		none := decodeJSON[bulkView](t, e.Must(200, bulk(o, map[string]any{"templateId": form.ID, "auditorUserId": viewer.UserID,
			"stationIds": []string{p1.ID}})))
		if len(none.Created) != 0 || len(none.Skipped) != 1 {
			t.Fatalf("bulk with a viewer as auditor: %+v", none)
		}
		got := decodeJSON[bulkView](t, e.Must(200, bulk(o, map[string]any{"templateId": form.ID, "windowDays": 5,
			"stationIds": []string{p1.ID, p2.ID, "no-such-station"}})))
		if len(got.Created) != 1 || got.Created[0].StationID != p1.ID || got.Created[0].ScheduledFor != "2026-04-02" ||
			got.Created[0].WindowEnds != "2026-04-06" || got.Created[0].AuditorUserID != o.UserID {
			t.Fatalf("bulk created %+v", got.Created)
		}
		var skipped []string
		for _, s := range got.Skipped {
			skipped = append(skipped, s.StationID)
		}
		if !slices.Equal(skipped, []string{p2.ID, "no-such-station"}) {
			t.Errorf("bulk skipped %+v", got.Skipped)
		}
		if h := auditHistory(t, e, o, got.Created[0].ID); len(h) != 1 || h[0].Note != "from the audit plan" {
			t.Errorf("history of a bulk-scheduled audit: %+v", h)
		}
		// Repeated: P1 has an open audit now.
		again := decodeJSON[bulkView](t, e.Must(200, bulk(o, map[string]any{"templateId": form.ID, "stationIds": []string{p1.ID}})))
		if len(again.Created) != 0 {
			t.Errorf("repeated bulk created %+v", again.Created)
		}

		// P3 is audited quarterly by a schedule; its audit finds a Major
		// failure, so the plan suggests Monthly.
		sc := decodeJSON[scheduleSaved](t, e.Must(201, callAPI(t, e, "POST", "/api/audit-schedules", o.Access, map[string]any{"name": "PB-3 quarterly",
			"stationId": p3.ID, "templateId": form.ID, "frequency": "quarterly", "startDate": "2026-03-02", "leadDays": 100,
			"assigneeRule": "named", "auditorUserId": a1.UserID})))
		aud := scheduleAudits(t, e, o, sc.Schedule.ID)
		if len(aud) != 2 || aud[0].ScheduledFor != "2026-03-02" || aud[1].ScheduledFor != "2026-06-02" {
			t.Fatalf("quarterly audits: %+v", aud)
		}
		wantProblem(t, callAPI(t, e, "POST", "/api/audits/plan/apply-frequency", o.Access, map[string]any{"stationId": p3.ID}), 409, "NO_SUGGESTION")
		e.Must(200, callAPI(t, e, "POST", "/api/audits/"+aud[0].ID+"/start", a1.Access, nil))
		e.Must(200, callAPI(t, e, "PUT", "/api/audits/"+aud[0].ID+"/answers/estop", a1.Access, map[string]any{"value": "fail", "severity": "Major", "note": "Stuck"}))
		e.Must(200, callAPI(t, e, "POST", "/api/audits/"+aud[0].ID+"/complete", a1.Access, nil))

		wantProblem(t, callAPI(t, e, "POST", "/api/audits/plan/apply-frequency", a1.Access, map[string]any{"stationId": p3.ID}), 403, "")
		wantProblem(t, callAPI(t, e, "POST", "/api/audits/plan/apply-frequency", o.Access, map[string]any{"stationId": "nope"}), 404, "")
		applied := decodeJSON[struct {
			From, To  string
			Schedules []scheduleSaved
		}](t, e.Must(200, callAPI(t, e, "POST", "/api/audits/plan/apply-frequency", o.Access, map[string]any{"stationId": p3.ID})))
		if applied.From != "Quarterly" || applied.To != "Monthly" || len(applied.Schedules) != 1 || applied.Schedules[0].Schedule.Frequency != "monthly" {
			t.Fatalf("applied: %+v", applied)
		}
		if st := decodeJSON[stationItem](t, e.Must(200, callAPI(t, e, "GET", "/api/stations/"+p3.ID, o.Access, nil))); st.AuditFrequency != "Monthly" {
			t.Errorf("station frequency after applying: %s", st.AuditFrequency)
		}
		var open []string
		for _, a := range scheduleAudits(t, e, o, sc.Schedule.ID) {
			if a.Status == "Scheduled" {
				open = append(open, a.ScheduledFor)
			}
		}
		// The completed 2 March audit stays; 2 June moved to 2 April; 2 May
		// and 2 June are new.
		if !slices.Equal(open, []string{"2026-04-02", "2026-05-02", "2026-06-02"}) {
			t.Errorf("schedule's open audits after applying: %v", open)
		}
		wantProblem(t, callAPI(t, e, "POST", "/api/audits/plan/apply-frequency", o.Access, map[string]any{"stationId": p3.ID}), 409, "NO_SUGGESTION")
	})
}
