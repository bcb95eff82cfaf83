package app_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// programmeAudit is an audit with the fields of programmes.
type programmeAudit struct {
	ID, Number, StationID, AuditorUserID, Status, ScheduledFor, ScheduleID, OccurrenceDate, WindowEnds, CancelReason string
	FormVersionID                                                                                                    string
	Version                                                                                                          int64
	MissedAt                                                                                                         *time.Time
}

type scheduleSaved struct {
	Schedule struct {
		ID, Frequency, AssigneeRule string
		Active                      bool
		Version                     int64
	}
	Audits struct {
		Created, Moved, Cancelled, Problems []string
	}
}

type historyItem struct {
	Kind, FromStatus, ToStatus, Note, ActorID string
}

// scheduleAudits lists the audits of one schedule (any status), by date.
func scheduleAudits(t *testing.T, e *apptest.Env, u *apptest.User, scheduleID string) []programmeAudit {
	t.Helper()
	r := decodeJSON[struct{ Items []programmeAudit }](t, e.Must(200, callAPI(t, e, "GET", "/api/audits?limit=100", u.Access, nil)))
	var out []programmeAudit
	for _, a := range r.Items {
		if a.ScheduleID == scheduleID {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b programmeAudit) int {
		if a.ScheduledFor != b.ScheduledFor {
			return map[bool]int{true: -1, false: 1}[a.ScheduledFor < b.ScheduledFor]
		}
		return map[bool]int{true: -1, false: 1}[a.StationID < b.StationID]
	})
	return out
}

func auditHistory(t *testing.T, e *apptest.Env, u *apptest.User, id string) []historyItem {
	t.Helper()
	return decodeJSON[struct{ Items []historyItem }](t, e.Must(200, callAPI(t, e, "GET", "/api/audits/"+id+"/history", u.Access, nil))).Items
}

func kinds(h []historyItem) []string {
	var out []string
	for _, x := range h {
		out = append(out, x.Kind)
	}
	return out
}

func getAudit(t *testing.T, e *apptest.Env, u *apptest.User, id string) programmeAudit {
	t.Helper()
	return decodeJSON[programmeAudit](t, e.Must(200, callAPI(t, e, "GET", "/api/audits/"+id, u.Access, nil)))
}

// TestAuditProgrammes walks a network's programme on both engines:
// schedules per station and per region with each assignee rule, audits
// created ahead, a change that moves the future unstarted audits and
// leaves the started one, the daily run that extends the horizon and
// records missed audits, reschedule and reassign with history, and ending
// a schedule.
func TestAuditProgrammes(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		clock := apptest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)) // a Monday
		e := apptest.New(t, engine, apptest.WithNow(clock.Now))
		o := e.Signup("Programme Fuels")
		a1 := e.Invite(o, "sys-auditor", nil)
		a2 := e.Invite(o, "sys-auditor", nil)
		viewer := e.Invite(o, "sys-viewer", nil)
		users := []*apptest.User{o, a1, a2, viewer}
		advance := func(d time.Duration) {
			t.Helper()
			clock.Advance(d)
			for _, u := range users {
				e.Login(u)
			}
		}
		n1 := newStation(t, e, o, "PR-N1", map[string]any{"region": "North"})
		n2 := newStation(t, e, o, "PR-N2", map[string]any{"region": "North"})
		s1 := newStation(t, e, o, "PR-S1", map[string]any{"region": "South", "managerUserIds": []string{viewer.UserID, a2.UserID}})
		s2 := newStation(t, e, o, "PR-S2", map[string]any{"region": "South", "managerUserIds": []string{viewer.UserID}})
		form := newAutoForm(t, e, o)

		create := func(body map[string]any) scheduleSaved {
			t.Helper()
			return decodeJSON[scheduleSaved](t, e.Must(201, callAPI(t, e, "POST", "/api/audit-schedules", o.Access, body)))
		}

		// A named auditor, weekly, two weeks ahead, three days to start.
		weekly := create(map[string]any{"name": "N1 weekly walk", "stationId": n1.ID, "templateId": form.ID, "frequency": "weekly",
			"startDate": "2026-03-02", "leadDays": 14, "windowDays": 3, "assigneeRule": "named", "auditorUserId": a1.UserID})
		got := scheduleAudits(t, e, o, weekly.Schedule.ID)
		if len(got) != 3 || len(weekly.Audits.Created) != 3 {
			t.Fatalf("weekly schedule created %v, want 3 audits: %+v", weekly.Audits, got)
		}
		for i, want := range []string{"2026-03-02", "2026-03-09", "2026-03-16"} {
			a := got[i]
			if a.ScheduledFor != want || a.OccurrenceDate != want || a.Status != "Scheduled" || a.AuditorUserID != a1.UserID || a.StationID != n1.ID {
				t.Errorf("audit %d: %+v, want Scheduled on %s for a1 at N1", i, a, want)
			}
		}
		if got[0].WindowEnds != "2026-03-04" {
			t.Errorf("window of a 3-day window from 2 March ends %s, want 2026-03-04", got[0].WindowEnds)
		}
		if h := auditHistory(t, e, o, got[0].ID); len(h) != 1 || h[0].Kind != "scheduled" || h[0].ToStatus != "Scheduled" {
			t.Errorf("history of a created audit: %+v", h)
		}

		// Round-robin over a region: each station's audit goes to the next
		// member of the group.
		region := create(map[string]any{"name": "North monthly", "region": "North", "templateId": form.ID, "frequency": "monthly",
			"startDate": "2026-03-10", "assigneeRule": "round_robin", "groupUserIds": []string{a1.UserID, a2.UserID}})
		rg := scheduleAudits(t, e, o, region.Schedule.ID)
		if len(rg) != 2 || rg[0].ScheduledFor != "2026-03-10" || rg[1].ScheduledFor != "2026-03-10" ||
			rg[0].AuditorUserID == rg[1].AuditorUserID || rg[0].WindowEnds != "2026-03-16" {
			t.Fatalf("region schedule audits: %+v", rg)
		}

		// The station's manager: the first manager who may conduct audits
		// (the viewer may not, a2 may); a station whose managers cannot is
		// reported, not given to someone else.
		mgr := create(map[string]any{"name": "South by managers", "region": "South", "templateId": form.ID, "frequency": "quarterly",
			"startDate": "2026-03-05", "assigneeRule": "station_manager"})
		mg := scheduleAudits(t, e, o, mgr.Schedule.ID)
		if len(mg) != 1 || mg[0].StationID != s1.ID || mg[0].AuditorUserID != a2.UserID || len(mgr.Audits.Problems) != 1 {
			t.Fatalf("station manager rule: audits %+v, report %+v", mg, mgr.Audits)
		}
		_, _ = s2, n2

		// A station manager sees the schedules of their station only.
		sm := e.Invite(o, "sys-station_manager", map[string]any{"stationIds": []string{n1.ID}})
		users = append(users, sm)
		seen := decodeJSON[struct{ Items []struct{ ID string } }](t, e.Must(200, callAPI(t, e, "GET", "/api/audit-schedules", sm.Access, nil)))
		if len(seen.Items) != 1 || seen.Items[0].ID != weekly.Schedule.ID {
			t.Errorf("station manager sees schedules %+v, want only N1's", seen.Items)
		}
		wantProblem(t, callAPI(t, e, "GET", "/api/audit-schedules/"+region.Schedule.ID, sm.Access, nil), 404, "")
		wantProblem(t, callAPI(t, e, "GET", "/api/audits/"+mg[0].ID+"/history", sm.Access, nil), 404, "")

		// Validation and permissions.
		wantProblem(t, callAPI(t, e, "POST", "/api/audit-schedules", o.Access, map[string]any{"name": "Both", "stationId": n1.ID, "region": "North",
			"templateId": form.ID, "frequency": "weekly", "assigneeRule": "station_manager"}), 400, "VALIDATION_FAILED")
		wantProblem(t, callAPI(t, e, "POST", "/api/audit-schedules", o.Access, map[string]any{"name": "Viewer", "stationId": n1.ID,
			"templateId": form.ID, "frequency": "weekly", "assigneeRule": "named", "auditorUserId": viewer.UserID}), 400, "VALIDATION_FAILED")
		wantProblem(t, callAPI(t, e, "POST", "/api/audit-schedules", a1.Access, map[string]any{"name": "Mine", "stationId": n1.ID,
			"templateId": form.ID, "frequency": "weekly", "assigneeRule": "named", "auditorUserId": a1.UserID}), 403, "")
		wantProblem(t, callAPI(t, e, "PATCH", "/api/audit-schedules/"+weekly.Schedule.ID, o.Access, map[string]any{"leadDays": 20}), 428, "PRECONDITION_REQUIRED")
		// Daily for a year at a station is more than a schedule may keep
		// ahead; a region without stations is reported.
		wantField(t, callAPI(t, e, "POST", "/api/audit-schedules", o.Access, map[string]any{"name": "Every day", "region": "North",
			"templateId": form.ID, "frequency": "days", "intervalDays": 1, "leadDays": 366, "assigneeRule": "station_manager"}), "leadDays")
		empty := create(map[string]any{"name": "Nowhere", "region": "Atlantis", "templateId": form.ID, "frequency": "weekly",
			"assigneeRule": "named", "auditorUserId": a1.UserID})
		if len(empty.Audits.Created) != 0 || len(empty.Audits.Problems) != 1 {
			t.Errorf("schedule of an empty region: %+v", empty.Audits)
		}
		e.Must(200, callAPI(t, e, "PATCH", "/api/audit-schedules/"+empty.Schedule.ID, o.Access, map[string]any{"active": false, "version": 1}))

		// The first weekly audit is started; then the schedule changes to
		// every 10 days: the started one stays, the 9 March one moves to 12
		// March, the 16 March one has no occurrence left and is cancelled.
		e.Must(200, callAPI(t, e, "POST", "/api/audits/"+got[0].ID+"/start", a1.Access, nil))
		ch := decodeJSON[scheduleSaved](t, e.Must(200, callAPI(t, e, "PATCH", "/api/audit-schedules/"+weekly.Schedule.ID, o.Access, map[string]any{
			"frequency": "days", "intervalDays": 10, "version": weekly.Schedule.Version})))
		if !slices.Equal(ch.Audits.Moved, []string{got[1].ID}) || !slices.Equal(ch.Audits.Cancelled, []string{got[2].ID}) || len(ch.Audits.Created) != 0 {
			t.Fatalf("change report: %+v", ch.Audits)
		}
		if a := getAudit(t, e, o, got[0].ID); a.Status != "In Progress" || a.ScheduledFor != "2026-03-02" {
			t.Errorf("started audit changed: %+v", a)
		}
		moved := getAudit(t, e, o, got[1].ID)
		if moved.ScheduledFor != "2026-03-12" || moved.OccurrenceDate != "2026-03-12" || moved.WindowEnds != "2026-03-14" || moved.Number != got[1].Number {
			t.Errorf("moved audit: %+v", moved)
		}
		if h := auditHistory(t, e, o, moved.ID); !slices.Equal(kinds(h), []string{"scheduled", "schedule_changed"}) {
			t.Errorf("moved audit's history: %+v", h)
		}
		if c := getAudit(t, e, o, got[2].ID); c.Status != "Cancelled" || c.CancelReason == "" {
			t.Errorf("left-over audit: %+v", c)
		}

		// Reschedule and reassign, with history; only schedulers may.
		wantProblem(t, callAPI(t, e, "POST", "/api/audits/"+moved.ID+"/reschedule", a1.Access, map[string]any{"scheduledFor": "2026-03-13", "reason": "x"}), 403, "")
		wantProblem(t, callAPI(t, e, "POST", "/api/audits/"+moved.ID+"/reschedule", o.Access, map[string]any{"scheduledFor": "2026-03-01", "reason": "x"}), 400, "VALIDATION_FAILED")
		wantProblem(t, callAPI(t, e, "POST", "/api/audits/"+moved.ID+"/reschedule", o.Access, map[string]any{"scheduledFor": "2026-03-13"}), 400, "VALIDATION_FAILED")
		wantProblem(t, callAPI(t, e, "POST", "/api/audits/"+got[0].ID+"/reschedule", o.Access, map[string]any{"scheduledFor": "2026-03-13", "reason": "x"}), 409, "AUDIT_NOT_SCHEDULED")
		rs := decodeJSON[programmeAudit](t, e.Must(200, callAPI(t, e, "POST", "/api/audits/"+moved.ID+"/reschedule", o.Access,
			map[string]any{"scheduledFor": "2026-03-13", "reason": "Tanker delivery on the 12th"})))
		if rs.ScheduledFor != "2026-03-13" || rs.WindowEnds != "2026-03-15" || rs.OccurrenceDate != "2026-03-12" {
			t.Errorf("rescheduled audit: %+v", rs)
		}
		wantProblem(t, callAPI(t, e, "POST", "/api/audits/"+moved.ID+"/reassign", o.Access, map[string]any{"auditorUserId": viewer.UserID, "reason": "x"}), 400, "VALIDATION_FAILED")
		ra := decodeJSON[programmeAudit](t, e.Must(200, callAPI(t, e, "POST", "/api/audits/"+moved.ID+"/reassign", o.Access,
			map[string]any{"auditorUserId": a2.UserID, "reason": "a1 on leave"})))
		if ra.AuditorUserID != a2.UserID {
			t.Errorf("reassigned audit: %+v", ra)
		}
		h := auditHistory(t, e, viewer, moved.ID)
		if !slices.Equal(kinds(h), []string{"scheduled", "schedule_changed", "rescheduled", "reassigned"}) ||
			h[2].Note != "2026-03-12 → 2026-03-13: Tanker delivery on the 12th" || h[3].Note != a1.UserID+" → "+a2.UserID+": a1 on leave" || h[3].ActorID != o.UserID {
			t.Errorf("history after reschedule and reassign: %+v", h)
		}
		// A repeated run of the same day creates nothing: the rescheduled
		// audit keeps its occurrence.
		sched := e.App.AuditScheduler()
		if rep, err := sched.RunProgrammes(ctx, clock.Now()); err != nil || rep.Created != 0 || rep.Missed != 0 {
			t.Fatalf("run on the day of creation: %+v, %v", rep, err)
		}

		// 18 March: the windows of the region audits (to 16 March), of the
		// South one (to 11 March) and of the rescheduled one (to 15 March)
		// have passed. Starting one now is refused; the daily run records
		// them Missed and creates the next occurrences within each lead
		// time: the weekly schedule's 22 March and 1 April, the region's
		// 10 April at both stations.
		advance(16 * 24 * time.Hour)
		wantProblem(t, callAPI(t, e, "POST", "/api/audits/"+rg[0].ID+"/start", o.Access, nil), 409, "AUDIT_WINDOW_PASSED")
		rep, err := sched.RunProgrammes(ctx, clock.Now())
		if err != nil || rep.Missed != 4 || rep.Created != 4 {
			t.Fatalf("run on 18 March: %+v, %v; want 4 missed, 4 created", rep, err)
		}
		if rep, err := sched.RunProgrammes(ctx, clock.Now()); err != nil || rep.Created != 0 || rep.Missed != 0 {
			t.Fatalf("second run on 18 March: %+v, %v", rep, err)
		}
		m := getAudit(t, e, o, rs.ID)
		if m.Status != "Missed" || m.MissedAt == nil {
			t.Errorf("lapsed audit: %+v", m)
		}
		if h := auditHistory(t, e, o, rs.ID); h[len(h)-1].Kind != "missed" || h[len(h)-1].ToStatus != "Missed" || h[len(h)-1].ActorID != "" {
			t.Errorf("missed audit's history: %+v", h)
		}
		missed := decodeJSON[struct{ Items []programmeAudit }](t, e.Must(200, callAPI(t, e, "GET", "/api/audits?status=Missed", o.Access, nil)))
		if len(missed.Items) != 4 {
			t.Errorf("%d Missed audits listed, want 4", len(missed.Items))
		}
		wantProblem(t, callAPI(t, e, "POST", "/api/audits/"+rs.ID+"/reschedule", o.Access, map[string]any{"scheduledFor": "2026-03-20", "reason": "late"}), 409, "AUDIT_NOT_SCHEDULED")
		wk := scheduleAudits(t, e, o, weekly.Schedule.ID)
		var dates []string
		for _, a := range wk {
			if a.Status == "Scheduled" {
				dates = append(dates, a.ScheduledFor)
			}
		}
		if !slices.Equal(dates, []string{"2026-03-22", "2026-04-01"}) {
			t.Errorf("weekly schedule's open audits after the run: %v", dates)
		}

		// Ending the schedule cancels its future unstarted audits; the
		// missed, started and cancelled ones stay as they were.
		cur := decodeJSON[struct{ Version int64 }](t, e.Must(200, callAPI(t, e, "GET", "/api/audit-schedules/"+weekly.Schedule.ID, o.Access, nil)))
		end := decodeJSON[scheduleSaved](t, e.Must(200, callAPI(t, e, "PATCH", "/api/audit-schedules/"+weekly.Schedule.ID, o.Access,
			map[string]any{"active": false, "version": cur.Version})))
		if len(end.Audits.Cancelled) != 2 || end.Schedule.Active {
			t.Errorf("ending the schedule: %+v", end)
		}
		if a := getAudit(t, e, o, got[0].ID); a.Status != "In Progress" {
			t.Errorf("started audit after the schedule ended: %+v", a)
		}
		list := decodeJSON[struct{ Items []struct{ ID string } }](t, e.Must(200, callAPI(t, e, "GET", "/api/audit-schedules", viewer.Access, nil)))
		if len(list.Items) != 4 {
			t.Errorf("%d schedules listed, want 4", len(list.Items))
		}
	})
}
