package app_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

type auditItem struct {
	ID, Number, StationID, StationName, TemplateID, FormVersionID, AuditorUserID, Status, ScheduledFor, Result string
	AllowedTransitions                                                                                         []string
	Score                                                                                                      *float64
	Version                                                                                                    int64
	Breakdown                                                                                                  *struct {
		Score          float64
		Result         string
		CriticalFailed bool
		Sections       []struct {
			Title    string
			Score    float64
			Possible float64
		}
		FailedItems []struct{ Key, Severity string }
	}
	Answers []struct {
		ItemKey, Note, Severity string
		AnsweredBy              string
	}
	Findings []struct {
		ID, ItemKey, Severity, Observation, ActionID string
		AttachmentIDs                                []string
	}
}

// auditFixture is an organization with a station, a published checklist
// (simpleDefinition) and its owner, who may conduct audits.
type auditFixture struct {
	e       *apptest.Env
	owner   *apptest.User
	station stationItem
	form    formItem
}

func newAuditFixture(t *testing.T, engine, org string) *auditFixture {
	t.Helper()
	e := apptest.New(t, engine)
	f := &auditFixture{e: e, owner: e.Signup(org)}
	f.station = newStation(t, e, f.owner, "AUD-ST-1", nil)
	f.form = newPublishedForm(t, e, f.owner, "Site audit", simpleDefinition())
	return f
}

// schedule plans an audit and returns it.
func (f *auditFixture) schedule(t *testing.T, u *apptest.User, stationID, auditorID, date string) auditItem {
	t.Helper()
	return decodeJSON[auditItem](t, f.e.Must(201, callAPI(t, f.e, "POST", "/api/audits", u.Access, map[string]any{
		"stationId": stationID, "templateId": f.form.ID, "auditorUserId": auditorID, "scheduledFor": date})))
}

func (f *auditFixture) answer(t *testing.T, u *apptest.User, auditID, key string, body map[string]any) *apptest.Response {
	t.Helper()
	return callAPI(t, f.e, "PUT", "/api/audits/"+auditID+"/answers/"+key, u.Access, body)
}

func (f *auditFixture) step(t *testing.T, u *apptest.User, auditID, verb string) *apptest.Response {
	t.Helper()
	return callAPI(t, f.e, "POST", "/api/audits/"+auditID+"/"+verb, u.Access, nil)
}

func TestAuditLifecycleAndScoring(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newAuditFixture(t, engine, "Lifecycle Fuels")
		e, o := f.e, f.owner
		a := f.schedule(t, o, f.station.ID, o.UserID, "2026-12-03")
		if !strings.HasPrefix(a.Number, "AUD-2026-") || a.Status != "Scheduled" || a.FormVersionID != f.form.PublishedVersionID ||
			!slices.Equal(a.AllowedTransitions, []string{"In Progress", "Cancelled"}) {
			t.Fatalf("scheduled: %+v", a)
		}
		// Answers wait for the start; completion too.
		wantProblem(t, f.answer(t, o, a.ID, "estop", map[string]any{"value": "pass"}), 409, "AUDIT_NOT_IN_PROGRESS")
		p := wantProblem(t, f.step(t, o, a.ID, "complete"), 409, "INVALID_TRANSITION")
		if !strings.Contains(p.Detail, "Scheduled") {
			t.Errorf("invalid transition detail: %s", p.Detail)
		}
		e.Must(200, f.step(t, o, a.ID, "start"))
		wantProblem(t, f.step(t, o, a.ID, "start"), 409, "INVALID_TRANSITION")

		// Bad answers name the item; unknown items are refused.
		for key, v := range map[string]any{"estop": "yes", "housekeeping": 7, "delivery": "maybe"} {
			p := wantProblem(t, f.answer(t, o, a.ID, key, map[string]any{"value": v}), 400, "")
			if len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Message, `"`+key+`"`) {
				t.Errorf("answer %v to %s: problem does not name the item: %+v", v, key, p)
			}
		}
		wantField(t, f.answer(t, o, a.ID, "no_such_item", map[string]any{"value": "pass"}), "itemKey")

		// Completion lists every missing item.
		e.Must(200, f.answer(t, o, a.ID, "delivery", map[string]any{"value": "yes"}))
		p = wantProblem(t, f.step(t, o, a.ID, "complete"), 400, "AUDIT_INCOMPLETE")
		var missing []string
		for _, fe := range p.Errors {
			missing = append(missing, fe.Field)
		}
		if got := strings.Join(missing, ","); got != "answers.estop,answers.extinguishers,answers.zone" {
			t.Errorf("missing items: %s", got)
		}
		// A failure that demands evidence needs a note or a photo.
		e.Must(200, f.answer(t, o, a.ID, "estop", map[string]any{"value": "fail"}))
		e.Must(200, f.answer(t, o, a.ID, "extinguishers", map[string]any{"value": "pass"}))
		e.Must(200, f.answer(t, o, a.ID, "zone", map[string]any{"value": "fail", "severity": "Major"}))
		e.Must(200, f.answer(t, o, a.ID, "housekeeping", map[string]any{"value": 3}))
		p = wantProblem(t, f.step(t, o, a.ID, "complete"), 400, "AUDIT_INCOMPLETE")
		if len(p.Errors) != 1 || p.Errors[0].Field != "answers.estop" {
			t.Errorf("evidence: %+v", p.Errors)
		}
		// A photo that was never uploaded is refused by name.
		p = wantProblem(t, f.answer(t, o, a.ID, "estop", map[string]any{"value": "fail", "attachmentIds": []string{"00000000-0000-7000-8000-000000000000"}}), 422, "UNKNOWN_ATTACHMENT")
		if len(p.Errors) != 1 || p.Errors[0].Field != "attachmentIds[0]" {
			t.Errorf("unknown photo: %+v", p.Errors)
		}
		// Saving again is idempotent: the answer is replaced, not added.
		photo := uploadID(t, e, o.Access, "estop.jpg", testJPEG(t, 16, 16))
		e.Must(200, f.answer(t, o, a.ID, "estop", map[string]any{"value": "fail", "note": "button cover broken", "attachmentIds": []string{photo}}))
		r := e.Must(200, f.answer(t, o, a.ID, "estop", map[string]any{"value": "fail", "note": "button cover broken", "attachmentIds": []string{photo}}))
		if n := len(decodeJSON[auditItem](t, r).Answers); n != 5 {
			t.Errorf("%d answers after saving one twice, want 5", n)
		}

		// A stale If-Match is refused.
		wantProblem(t, doAPI(t, e, apptest.Request{Method: "POST", Path: "/api/audits/" + a.ID + "/complete", Token: o.Access,
			Header: map[string]string{"If-Match": `"2"`}}), 412, "STALE_VERSION")
		done := decodeJSON[auditItem](t, e.Must(200, f.step(t, o, a.ID, "complete")))
		// estop fails (weight 2 of 2+2+1+1 applicable): (0 + 2 + 0.5 + 0) / 6.
		if done.Status != "Completed" || done.Score == nil || *done.Score != 41.67 || done.Result != "Fail" || done.Breakdown == nil || !done.Breakdown.CriticalFailed {
			t.Fatalf("completed: %+v", done)
		}
		sevs := map[string]string{}
		for _, fd := range done.Findings {
			sevs[fd.ItemKey] = fd.Severity
		}
		if len(done.Findings) != 2 || sevs["estop"] != "Critical" || sevs["zone"] != "Major" {
			t.Errorf("findings: %+v", done.Findings)
		}
		for _, fd := range done.Findings {
			if fd.ActionID == "" {
				t.Errorf("finding %s has no corrective action", fd.ItemKey)
			}
			if fd.ItemKey == "estop" && (fd.Observation != "button cover broken" || !slices.Equal(fd.AttachmentIDs, []string{photo})) {
				t.Errorf("finding evidence: %+v", fd)
			}
		}
		// Completed: no more answers, no cancel.
		wantProblem(t, f.answer(t, o, a.ID, "notes", map[string]any{"value": "late"}), 409, "AUDIT_NOT_IN_PROGRESS")
		r = callAPI(t, e, "POST", "/api/audits/"+a.ID+"/cancel", o.Access, map[string]any{"reason": "too late"})
		pd := decodeJSON[struct {
			Code    string
			Details struct {
				CurrentState       string
				AllowedTransitions []string
			}
		}](t, r)
		if r.Status != 409 || pd.Code != "INVALID_TRANSITION" || pd.Details.CurrentState != "Completed" || !slices.Equal(pd.Details.AllowedTransitions, []string{"Closed"}) {
			t.Errorf("cancel after completion: %d %s", r.Status, r.Body)
		}
		// The read returns what completion stored.
		again := decodeJSON[auditItem](t, e.Must(200, callAPI(t, e, "GET", "/api/audits/"+a.ID, o.Access, nil)))
		if again.Score == nil || *again.Score != 41.67 || len(again.Breakdown.Sections) != 1 || len(again.Findings) != 2 {
			t.Errorf("read back: %+v", again)
		}
		// The audit trail has every step.
		entries, _ := auditLog(t, e, o.Access, "?entityId="+a.ID+"&limit=100")
		var actions []string
		for _, en := range entries {
			actions = append(actions, en.Action)
		}
		for _, want := range []string{"audit.scheduled", "audit.started", "audit.answer_saved", "audit.completed"} {
			if !slices.Contains(actions, want) {
				t.Errorf("audit trail lacks %s: %v", want, actions)
			}
		}
	})
}

func TestAuditPassingClosesAndCancel(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newAuditFixture(t, engine, "Clean Fuels")
		e, o := f.e, f.owner
		a := f.schedule(t, o, f.station.ID, o.UserID, "2026-12-04")
		e.Must(200, f.step(t, o, a.ID, "start"))
		for k, v := range map[string]any{"estop": "pass", "extinguishers": "pass", "delivery": "no", "zone": "fail"} {
			e.Must(200, f.answer(t, o, a.ID, k, map[string]any{"value": v}))
		}
		// The zone item is hidden (no delivery): neither required nor scored.
		done := decodeJSON[auditItem](t, e.Must(200, f.step(t, o, a.ID, "complete")))
		if done.Status != "Closed" || *done.Score != 100 || done.Result != "Pass" || len(done.Findings) != 0 {
			t.Errorf("clean audit: %+v", done)
		}

		b := f.schedule(t, o, f.station.ID, o.UserID, "2026-12-05")
		wantField(t, callAPI(t, e, "POST", "/api/audits/"+b.ID+"/cancel", o.Access, map[string]any{"reason": " "}), "reason")
		c := decodeJSON[auditItem](t, e.Must(200, callAPI(t, e, "POST", "/api/audits/"+b.ID+"/cancel", o.Access, map[string]any{"reason": "site closed for works"})))
		if c.Status != "Cancelled" || len(c.AllowedTransitions) != 0 {
			t.Errorf("cancelled: %+v", c)
		}
		for _, verb := range []string{"start", "complete"} {
			wantProblem(t, f.step(t, o, b.ID, verb), 409, "INVALID_TRANSITION")
		}
	})
}

func TestAuditScheduleValidation(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newAuditFixture(t, engine, "Validation Fuels")
		e, o := f.e, f.owner
		viewer := e.Invite(o, "sys-viewer", nil)
		other := e.Signup("Other Org")
		otherStation := newStation(t, e, other, "OTHER-1", nil)
		draftOnly := decodeJSON[formItem](t, e.Must(201, callAPI(t, e, "POST", "/api/forms", o.Access, map[string]any{"name": "Unpublished", "kind": "audit"})))
		post := func(body map[string]any) *apptest.Response {
			full := map[string]any{"stationId": f.station.ID, "templateId": f.form.ID, "auditorUserId": o.UserID, "scheduledFor": "2026-12-01"}
			for k, v := range body {
				full[k] = v
			}
			return callAPI(t, e, "POST", "/api/audits", o.Access, full)
		}
		wantProblem(t, post(map[string]any{"stationId": otherStation.ID}), 404, "NOT_FOUND")
		wantProblem(t, post(map[string]any{"auditorUserId": other.UserID}), 404, "NOT_FOUND")
		wantProblem(t, post(map[string]any{"templateId": "nope"}), 404, "NOT_FOUND")
		wantProblem(t, post(map[string]any{"templateId": draftOnly.ID}), 409, "TEMPLATE_NOT_PUBLISHED")
		wantField(t, post(map[string]any{"auditorUserId": viewer.UserID}), "auditorUserId")
		wantField(t, post(map[string]any{"scheduledFor": "01/12/2026"}), "scheduledFor")
		// The year of the scheduled date names the series.
		a := decodeJSON[auditItem](t, e.Must(201, post(map[string]any{"scheduledFor": "2027-01-15"})))
		if a.Number != "AUD-2027-0001" {
			t.Errorf("number %s, want AUD-2027-0001", a.Number)
		}
	})
}

func TestAuditNumbersUnderConcurrency(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newAuditFixture(t, engine, "Busy Fuels")
		const n = 50
		numbers := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				r := f.e.Call("POST", "/api/audits", f.owner.Access, map[string]any{"stationId": f.station.ID, "templateId": f.form.ID,
					"auditorUserId": f.owner.UserID, "scheduledFor": "2026-12-10"})
				if r.Status != 201 {
					t.Errorf("creation %d: %d %s", i, r.Status, r.Body)
					return
				}
				numbers[i] = r.JSON(t)["number"].(string)
			})
		}
		wg.Wait()
		sort.Strings(numbers)
		for i, got := range numbers {
			if want := fmt.Sprintf("AUD-2026-%04d", i+1); got != want {
				t.Fatalf("numbers are not distinct and gap-free: position %d is %q, want %q (all: %v)", i, got, want, numbers)
			}
		}
	})
}

// TestAuditConcurrentAnswers saves 20 different items at once: every one
// lands.
func TestAuditConcurrentAnswers(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		o := e.Signup("Parallel Fuels")
		st := newStation(t, e, o, "PAR-1", nil)
		const n = 20
		var its []any
		for i := range n {
			its = append(its, map[string]any{"key": fmt.Sprintf("item_%02d", i), "label": fmt.Sprintf("Item %d", i), "type": "pass_fail_na", "weight": 1})
		}
		form := newPublishedForm(t, e, o, "Twenty items", map[string]any{"sections": []any{map[string]any{"title": "All", "items": its}}})
		a := decodeJSON[auditItem](t, e.Must(201, callAPI(t, e, "POST", "/api/audits", o.Access, map[string]any{"stationId": st.ID,
			"templateId": form.ID, "auditorUserId": o.UserID, "scheduledFor": "2026-12-01"})))
		e.Must(200, callAPI(t, e, "POST", "/api/audits/"+a.ID+"/start", o.Access, nil))
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				r := e.Call("PUT", fmt.Sprintf("/api/audits/%s/answers/item_%02d", a.ID, i), o.Access, map[string]any{"value": "pass", "note": fmt.Sprint(i)})
				if r.Status != 200 {
					t.Errorf("save %d: %d %s", i, r.Status, r.Body)
				}
			})
		}
		wg.Wait()
		got := decodeJSON[auditItem](t, e.Must(200, callAPI(t, e, "GET", "/api/audits/"+a.ID, o.Access, nil)))
		if len(got.Answers) != n || got.Version != int64(2+n) {
			t.Errorf("%d answers and version %d after %d concurrent saves, want %d and %d", len(got.Answers), got.Version, n, n, 2+n)
		}
	})
}

func TestAuditPermissionsAndScope(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newAuditFixture(t, engine, "Roles Fuels")
		e, o := f.e, f.owner
		other := newStation(t, e, o, "AUD-ST-2", map[string]any{"region": "South"})
		cm := e.Invite(o, "sys-compliance_manager", nil)
		aud1 := e.Invite(o, "sys-auditor", nil)
		aud2 := e.Invite(o, "sys-auditor", nil)
		viewer := e.Invite(o, "sys-viewer", nil)
		sm := e.Invite(o, "sys-station_manager", map[string]any{"stationIds": []string{f.station.ID}})
		con := e.Invite(o, "sys-contractor", map[string]any{"contractorId": "c-9"})

		// Scheduling: managers only.
		mine := f.schedule(t, cm, f.station.ID, aud1.UserID, "2026-12-01")
		theirs := f.schedule(t, cm, other.ID, aud2.UserID, "2026-12-02")
		for _, u := range []*apptest.User{aud1, viewer, sm, con} {
			wantForbiddenNaming(t, callAPI(t, e, "POST", "/api/audits", u.Access, map[string]any{"stationId": f.station.ID,
				"templateId": f.form.ID, "auditorUserId": aud1.UserID, "scheduledFor": "2026-12-01"}), "audits:schedule")
		}
		// Conducting: the assigned auditor, or a reviewer stepping in.
		wantProblem(t, f.step(t, aud2, mine.ID, "start"), 403, "NOT_ASSIGNED")
		wantForbiddenNaming(t, f.step(t, sm, mine.ID, "start"), "audits:conduct")
		wantForbiddenNaming(t, f.step(t, viewer, mine.ID, "start"), "audits:conduct")
		e.Must(200, f.step(t, aud1, mine.ID, "start"))
		e.Must(200, f.answer(t, aud1, mine.ID, "estop", map[string]any{"value": "pass"}))
		wantProblem(t, f.answer(t, aud2, mine.ID, "estop", map[string]any{"value": "fail"}), 403, "NOT_ASSIGNED")
		e.Must(200, f.step(t, cm, theirs.ID, "start"))
		// Cancelling needs audits:cancel.
		wantForbiddenNaming(t, callAPI(t, e, "POST", "/api/audits/"+theirs.ID+"/cancel", aud2.Access, map[string]any{"reason": "x"}), "audits:cancel")

		// Reading: station managers see their stations only; contractors nothing.
		numbers := func(u *apptest.User) string {
			var out []string
			for _, a := range listItems[auditItem](t, e.Must(200, callAPI(t, e, "GET", "/api/audits?sort=number", u.Access, nil))) {
				out = append(out, a.Number)
			}
			return strings.Join(out, ",")
		}
		all := mine.Number + "," + theirs.Number
		for u, want := range map[*apptest.User]string{viewer: all, aud2: all, cm: all, sm: mine.Number} {
			if got := numbers(u); got != want {
				t.Errorf("list for %s: %q, want %q", u.Email, got, want)
			}
		}
		e.Must(200, callAPI(t, e, "GET", "/api/audits/"+mine.ID, sm.Access, nil))
		wantProblem(t, callAPI(t, e, "GET", "/api/audits/"+theirs.ID, sm.Access, nil), 404, "NOT_FOUND")
		wantForbiddenNaming(t, callAPI(t, e, "GET", "/api/audits", con.Access, nil), "audits:read")
		wantForbiddenNaming(t, callAPI(t, e, "GET", "/api/audits/"+mine.ID, con.Access, nil), "audits:read")
		if plan := listItems[struct{ StationID string }](t, e.Must(200, callAPI(t, e, "GET", "/api/audits/plan", sm.Access, nil))); len(plan) > 1 {
			t.Errorf("station manager's plan shows other stations: %+v", plan)
		}
	})
}

func TestAuditListFiltersAndCSV(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newAuditFixture(t, engine, "List Fuels")
		e, o := f.e, f.owner
		south := newStation(t, e, o, "AUD-ST-S", map[string]any{"region": "South"})
		var ids []string
		for i := range 7 {
			st := f.station.ID
			if i%2 == 1 {
				st = south.ID
			}
			ids = append(ids, f.schedule(t, o, st, o.UserID, fmt.Sprintf("2026-12-%02d", i+1)).ID)
		}
		e.Must(200, callAPI(t, e, "POST", "/api/audits/"+ids[0]+"/cancel", o.Access, map[string]any{"reason": "dup"}))
		count := func(q string) int {
			return len(listItems[auditItem](t, e.Must(200, callAPI(t, e, "GET", "/api/audits?"+q, o.Access, nil))))
		}
		for q, want := range map[string]int{
			"": 7, "region=South": 3, "stationId=" + f.station.ID: 4, "status=Cancelled": 1, "status=Scheduled&region=North": 3,
			"scheduledFrom=2026-12-03&scheduledTo=2026-12-05": 3, "auditorId=" + o.UserID: 7, "q=aud-st-s": 3, "result=Pass": 0,
		} {
			if got := count(q); got != want {
				t.Errorf("?%s: %d audits, want %d", q, got, want)
			}
		}
		// Pages of 3 in date order, newest first, walk every audit once.
		var seen []string
		cursor := ""
		for range 5 {
			body := decodeJSON[struct {
				Items      []auditItem
				NextCursor string
			}](t, e.Must(200, callAPI(t, e, "GET", "/api/audits?limit=3&sort=-scheduledFor&cursor="+cursor, o.Access, nil)))
			for _, a := range body.Items {
				seen = append(seen, a.ScheduledFor)
			}
			if cursor = body.NextCursor; cursor == "" {
				break
			}
		}
		if len(seen) != 7 || seen[0] != "2026-12-07" || seen[6] != "2026-12-01" {
			t.Errorf("pages: %v", seen)
		}
		wantField(t, callAPI(t, e, "GET", "/api/audits?sort=score", o.Access, nil), "sort")
		wantField(t, callAPI(t, e, "GET", "/api/audits?scheduledFrom=tomorrow", o.Access, nil), "scheduledFrom")
		csv := e.Must(200, e.Do(apptest.Request{Method: "GET", Path: "/api/audits?region=South", Token: o.Access, Header: map[string]string{"Accept": "text/csv"}}))
		lines := strings.Split(strings.TrimSpace(string(csv.Body)), "\n")
		if len(lines) != 4 || !strings.HasPrefix(lines[0], "number,stationId,station,region") || !strings.Contains(lines[1], "South") {
			t.Errorf("csv: %s", csv.Body)
		}
	})
}

func TestAuditPlan(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC))
		e := apptest.New(t, engine, apptest.WithNow(clock.Now))
		o := e.Signup("Plan Fuels")
		f := &auditFixture{e: e, owner: o, form: newPublishedForm(t, e, o, "Plan audit", simpleDefinition())}
		q := newStation(t, e, o, "PLAN-Q", map[string]any{"auditFrequency": "Quarterly"})
		y := newStation(t, e, o, "PLAN-Y", map[string]any{"auditFrequency": "Annually"})
		gone := newStation(t, e, o, "PLAN-GONE", map[string]any{"auditFrequency": "Monthly"})
		e.Must(204, doAPI(t, e, apptest.Request{Method: "DELETE", Path: "/api/stations/" + gone.ID, Token: o.Access, Header: map[string]string{"If-Match": `"1"`}}))

		// Q's last audit had a Major finding.
		a := f.schedule(t, o, q.ID, o.UserID, "2026-01-10")
		e.Must(200, f.step(t, o, a.ID, "start"))
		for k, v := range map[string]any{"estop": "pass", "extinguishers": "pass", "delivery": "yes"} {
			e.Must(200, f.answer(t, o, a.ID, k, map[string]any{"value": v}))
		}
		e.Must(200, f.answer(t, o, a.ID, "zone", map[string]any{"value": "fail", "severity": "Major"}))
		e.Must(200, f.step(t, o, a.ID, "complete"))
		next := f.schedule(t, o, y.ID, o.UserID, "2026-06-01")

		clock.Advance(120 * 24 * time.Hour) // 2026-05-10
		e.Login(o)                          // the access token expired meanwhile
		type entry struct {
			StationCode, DueDate, SuggestedFrequency, LastAuditID, ScheduledAuditID, ScheduledFor string
			Overdue                                                                               bool
			DaysOverdue                                                                           int
		}
		plan := listItems[entry](t, e.Must(200, callAPI(t, e, "GET", "/api/audits/plan?from=2026-05-10&to=2027-02-01", o.Access, nil)))
		want := []entry{
			{StationCode: "PLAN-Q", DueDate: "2026-04-10", Overdue: true, DaysOverdue: 30, SuggestedFrequency: "Monthly", LastAuditID: a.ID},
			{StationCode: "PLAN-Y", DueDate: "2027-01-10", ScheduledAuditID: next.ID, ScheduledFor: "2026-06-01"},
		}
		if diff := cmp.Diff(want, plan); diff != "" {
			t.Errorf("plan (-want +got):\n%s", diff)
		}
		// Overdue stations are listed whatever the range.
		plan = listItems[entry](t, e.Must(200, callAPI(t, e, "GET", "/api/audits/plan?from=2026-05-10&to=2026-12-31", o.Access, nil)))
		if len(plan) != 1 || plan[0].StationCode != "PLAN-Q" {
			t.Errorf("short range: %+v", plan)
		}
		wantField(t, callAPI(t, e, "GET", "/api/audits/plan?from=2026-05-10&to=2026-01-01", o.Access, nil), "to")
	})
}

// TestAuditFindingsRaiseActionsAndClose follows findings through their
// corrective actions: each finding gets one, assigned to the station's
// manager and due by severity, and verifying the last one closes the
// audit.
func TestAuditFindingsRaiseActionsAndClose(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newAuditFixture(t, engine, "Closing Fuels")
		e, o := f.e, f.owner
		sm := e.Invite(o, "sys-station_manager", map[string]any{"stationIds": []string{f.station.ID}})
		cm := e.Invite(o, "sys-compliance_manager", nil)
		e.Must(200, patchStation(t, e, o, f.station.ID, `"1"`, map[string]any{"managerUserIds": []string{sm.UserID}}))

		a := f.schedule(t, o, f.station.ID, o.UserID, "2026-12-03")
		e.Must(200, f.step(t, o, a.ID, "start"))
		for k, v := range map[string]any{"extinguishers": "pass", "delivery": "yes"} {
			e.Must(200, f.answer(t, o, a.ID, k, map[string]any{"value": v}))
		}
		e.Must(200, f.answer(t, o, a.ID, "estop", map[string]any{"value": "fail", "note": "label missing"}))
		e.Must(200, f.answer(t, o, a.ID, "zone", map[string]any{"value": "fail", "severity": "Major"}))
		done := decodeJSON[auditItem](t, e.Must(200, f.step(t, o, a.ID, "complete")))
		if done.Status != "Completed" || len(done.Findings) != 2 {
			t.Fatalf("completed: %+v", done)
		}
		actions := listItems[actionItem](t, e.Must(200, callAPI(t, e, "GET", "/api/actions?sourceType=finding", o.Access, nil)))
		if len(actions) != 2 {
			t.Fatalf("actions of the findings: %+v", actions)
		}
		bySeverity := map[string]actionItem{}
		for _, ac := range actions {
			bySeverity[ac.Severity] = ac
			if ac.AssigneeID != sm.UserID || ac.StationID != f.station.ID || ac.Status != "Open" || !strings.HasPrefix(ac.Title, a.Number+": ") {
				t.Errorf("action of a finding: %+v", ac)
			}
		}
		if bySeverity["Critical"].Priority != "Critical" || bySeverity["Major"].Priority != "High" {
			t.Errorf("priorities: %+v", bySeverity)
		}
		for _, fd := range done.Findings {
			if fd.ActionID == "" {
				t.Errorf("finding %s without action", fd.ItemKey)
			}
		}

		for i, ac := range actions {
			e.Must(200, move(t, e, sm, ac.ID, "start", map[string]any{}))
			e.Must(200, move(t, e, sm, ac.ID, "complete", map[string]any{"notes": "fixed"}))
			e.Must(200, move(t, e, cm, ac.ID, "verify", nil))
			got := decodeJSON[auditItem](t, e.Must(200, callAPI(t, e, "GET", "/api/audits/"+a.ID, o.Access, nil)))
			if want := map[bool]string{false: "Completed", true: "Closed"}[i == len(actions)-1]; got.Status != want {
				t.Errorf("after verifying %d of %d actions the audit is %s, want %s", i+1, len(actions), got.Status, want)
			}
		}
	})
}

// fillAuditTables gives the backup round trip rows in every checklist and
// audit table: a completed audit with answers and a finding.
func fillAuditTables(t *testing.T, e *apptest.Env, owner *apptest.User) {
	t.Helper()
	f := &auditFixture{e: e, owner: owner, station: newStation(t, e, owner, "BACKUP-AUD-1", nil),
		form: newPublishedForm(t, e, owner, "Backup checklist", simpleDefinition())}
	a := f.schedule(t, owner, f.station.ID, owner.UserID, "2026-12-01")
	e.Must(200, f.step(t, owner, a.ID, "start"))
	for k, v := range map[string]any{"estop": "pass", "extinguishers": "fail", "delivery": "no"} {
		e.Must(200, f.answer(t, owner, a.ID, k, map[string]any{"value": v}))
	}
	e.Must(200, f.step(t, owner, a.ID, "complete"))
}
