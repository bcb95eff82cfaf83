package app_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/capa"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

type actionItem struct {
	ID, Number, Title, Status, Priority, Severity, DueOn, AssigneeID, StationID, SourceType string
	CompletedBy, VerifiedBy, CompletionNotes                                                string
	Overdue, Escalated                                                                      bool
	AllowedTransitions                                                                      []string
	Version                                                                                 int64
}

type actionEvent struct {
	Kind, FromStatus, ToStatus, Note, ActorID string
}

func newAction(t *testing.T, e *apptest.Env, u *apptest.User, body map[string]any) actionItem {
	t.Helper()
	return decodeJSON[actionItem](t, e.Must(201, callAPI(t, e, "POST", "/api/actions", u.Access, body)))
}

func move(t *testing.T, e *apptest.Env, u *apptest.User, id, m string, body map[string]any) *apptest.Response {
	t.Helper()
	if body == nil {
		return callAPI(t, e, "POST", "/api/actions/"+id+"/"+m, u.Access, nil) // no body at all
	}
	return callAPI(t, e, "POST", "/api/actions/"+id+"/"+m, u.Access, body)
}

func TestActionLifecycle(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		e := apptest.New(t, engine, apptest.WithNow(clock.Now))
		owner := e.Signup("CAPA Co")
		st := newStation(t, e, owner, "CA-ST-1", nil)
		sm := e.Invite(owner, "sys-station_manager", map[string]any{"stationIds": []string{st.ID}})
		cm := e.Invite(owner, "sys-compliance_manager", nil)

		a := newAction(t, e, owner, map[string]any{"title": "Replace the expired extinguisher", "assigneeId": sm.UserID,
			"stationId": st.ID, "severity": "Critical", "priority": "High"})
		if a.Number != "CA-2026-0001" || a.Status != "Open" || a.DueOn != "2026-03-05" || a.SourceType != "manual" || a.Version != 1 {
			t.Fatalf("created: %+v", a)
		}
		// Completing before starting is not a transition the lifecycle has.
		p := wantProblem(t, move(t, e, sm, a.ID, "complete", map[string]any{"notes": "done"}), 409, "INVALID_TRANSITION")
		if !strings.Contains(p.Detail, "Open") {
			t.Errorf("detail %q", p.Detail)
		}
		// The station manager may never verify: 403 before any state check.
		wantProblem(t, move(t, e, sm, a.ID, "verify", nil), 403, "FORBIDDEN")
		r := move(t, e, cm, a.ID, "verify", nil)
		details := decodeJSON[struct {
			Details struct {
				CurrentState       string
				AllowedTransitions []string
			}
		}](t, r).Details
		if r.Status != 409 || details.CurrentState != "Open" || strings.Join(details.AllowedTransitions, ",") != "In Progress" {
			t.Errorf("verify on Open: %d %s", r.Status, r.Body)
		}
		// The assignee starts it without actions:update.
		e.Must(200, move(t, e, sm, a.ID, "start", nil))
		wantField(t, move(t, e, sm, a.ID, "complete", map[string]any{"notes": " "}), "notes")
		wantProblem(t, move(t, e, cm, a.ID, "complete", map[string]any{"notes": "not mine"}), 403, "NOT_ASSIGNEE")
		done := decodeJSON[actionItem](t, e.Must(200, move(t, e, sm, a.ID, "complete", map[string]any{"notes": "New extinguisher fitted"})))
		if done.Status != "Completed" || done.CompletedBy != sm.UserID || done.CompletionNotes != "New extinguisher fitted" {
			t.Errorf("completed: %+v", done)
		}
		wantForbiddenNaming(t, move(t, e, sm, a.ID, "verify", nil), "actions:verify")
		wantField(t, move(t, e, cm, a.ID, "reject", nil), "reason")
		e.Must(200, move(t, e, cm, a.ID, "reject", map[string]any{"reason": "Wrong class of extinguisher"}))
		e.Must(200, move(t, e, sm, a.ID, "complete", map[string]any{"notes": "CO2 extinguisher fitted"}))
		// A stale If-Match on a move is refused.
		wantProblem(t, doAPI(t, e, apptest.Request{Method: "POST", Path: "/api/actions/" + a.ID + "/verify", Token: cm.Access,
			Header: map[string]string{"If-Match": `"1"`}}), http.StatusPreconditionFailed, "STALE_VERSION")
		v := decodeJSON[actionItem](t, e.Must(200, move(t, e, cm, a.ID, "verify", nil)))
		if v.Status != "Verified" || v.VerifiedBy != cm.UserID || len(v.AllowedTransitions) != 0 {
			t.Errorf("verified: %+v", v)
		}
		wantProblem(t, move(t, e, cm, a.ID, "start", nil), 409, "INVALID_TRANSITION")
		wantProblem(t, doAPI(t, e, apptest.Request{Method: "PATCH", Path: "/api/actions/" + a.ID, Token: owner.Access,
			Body: map[string]any{"title": "Reopen?", "version": v.Version}}), 409, "ACTION_VERIFIED")

		// The history has every change, in order.
		hist := listItems[actionEvent](t, e.Must(200, callAPI(t, e, "GET", "/api/actions/"+a.ID+"/history", owner.Access, nil)))
		var kinds []string
		for _, h := range hist {
			kinds = append(kinds, h.Kind+":"+h.FromStatus+">"+h.ToStatus)
		}
		want := "created:>Open,assigned:>,status_changed:Open>In Progress,status_changed:In Progress>Completed," +
			"verification_failed:Completed>In Progress,status_changed:In Progress>Completed,status_changed:Completed>Verified"
		if got := strings.Join(kinds, ","); got != want {
			t.Errorf("history:\n got %s\nwant %s", got, want)
		}
		if hist[4].Note != "Wrong class of extinguisher" || hist[4].ActorID != cm.UserID {
			t.Errorf("failed verification entry: %+v", hist[4])
		}
		log := string(e.Must(200, callAPI(t, e, "GET", "/api/audit-log?entityType=action&entityId="+a.ID, owner.Access, nil)).Body)
		for _, w := range []string{"action.created", "action.start", "action.complete", "action.reject", "action.verify", `"status":"Verified"`} {
			if !strings.Contains(log, w) {
				t.Errorf("audit trail lacks %s", w)
			}
		}
	})
}

func TestActionSelfVerificationRefused(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Self Check")
		cm := e.Invite(owner, "sys-compliance_manager", nil)
		a := newAction(t, e, owner, map[string]any{"title": "Fix the bollard", "assigneeId": cm.UserID})
		e.Must(200, move(t, e, cm, a.ID, "start", nil))
		e.Must(200, move(t, e, cm, a.ID, "complete", map[string]any{"notes": "Bollard replaced"}))
		wantProblem(t, move(t, e, cm, a.ID, "verify", nil), 403, "SELF_VERIFICATION")
		e.Must(200, move(t, e, owner, a.ID, "verify", nil))
	})
}

func TestActionPermissionsAndScope(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Action Scope")
		other := e.Signup("Action Scope Other")
		mine := newStation(t, e, owner, "AS-1", nil)
		theirs := newStation(t, e, owner, "AS-2", nil)
		foreign := newStation(t, e, other, "AS-1", nil)
		sm := e.Invite(owner, "sys-station_manager", map[string]any{"stationIds": []string{mine.ID}})
		auditor := e.Invite(owner, "sys-auditor", nil)
		viewer := e.Invite(owner, "sys-viewer", nil)
		c := newContractor(t, e, owner, "Fixers", nil)
		con := e.Invite(owner, "sys-contractor", map[string]any{"contractorId": c.ID})

		atMine := newAction(t, e, auditor, map[string]any{"title": "At my station", "stationId": mine.ID})
		atTheirs := newAction(t, e, owner, map[string]any{"title": "At their station", "stationId": theirs.ID})
		assignedToSM := newAction(t, e, owner, map[string]any{"title": "Assigned to the manager", "stationId": theirs.ID, "assigneeId": sm.UserID})
		forContractor := newAction(t, e, owner, map[string]any{"title": "For the contractor", "stationId": mine.ID, "assigneeId": con.UserID})

		for _, u := range []*apptest.User{viewer, sm, con} {
			wantForbiddenNaming(t, callAPI(t, e, "POST", "/api/actions", u.Access, map[string]any{"title": "No"}), "actions:create")
		}
		wantForbiddenNaming(t, doAPI(t, e, apptest.Request{Method: "PATCH", Path: "/api/actions/" + atMine.ID, Token: auditor.Access,
			Body: map[string]any{"title": "x"}, Header: map[string]string{"If-Match": `"1"`}}), "actions:update")
		wantForbiddenNaming(t, move(t, e, viewer, atTheirs.ID, "start", nil), "actions:update")

		titles := func(u *apptest.User, q string) string {
			var out []string
			for _, a := range listItems[actionItem](t, e.Must(200, callAPI(t, e, "GET", "/api/actions?sort=number&"+q, u.Access, nil))) {
				out = append(out, a.Title)
			}
			return strings.Join(out, ",")
		}
		all := "At my station,At their station,Assigned to the manager,For the contractor"
		for u, want := range map[*apptest.User]string{viewer: all, auditor: all,
			sm: "At my station,Assigned to the manager,For the contractor", con: "For the contractor"} {
			if got := titles(u, ""); got != want {
				t.Errorf("%s sees %q, want %q", u.Email, got, want)
			}
		}
		if got := titles(sm, "mine=true"); got != "Assigned to the manager" {
			t.Errorf("mine: %q", got)
		}
		e.Must(200, callAPI(t, e, "GET", "/api/actions/"+assignedToSM.ID, sm.Access, nil))
		wantProblem(t, callAPI(t, e, "GET", "/api/actions/"+atTheirs.ID, sm.Access, nil), 404, "NOT_FOUND")
		wantProblem(t, callAPI(t, e, "GET", "/api/actions/"+atTheirs.ID+"/history", con.Access, nil), 404, "NOT_FOUND")
		wantProblem(t, move(t, e, con, atMine.ID, "start", nil), 404, "NOT_FOUND")
		// The contractor works on what is assigned to them.
		e.Must(200, move(t, e, con, forContractor.ID, "start", nil))
		e.Must(200, move(t, e, con, forContractor.ID, "complete", map[string]any{"notes": "Done"}))

		// Another organization's ids are not found; a non-member assignee is a 400.
		wantProblem(t, callAPI(t, e, "GET", "/api/actions/"+atMine.ID, other.Access, nil), 404, "NOT_FOUND")
		wantProblem(t, callAPI(t, e, "POST", "/api/actions", owner.Access, map[string]any{"title": "x", "stationId": foreign.ID}), 404, "NOT_FOUND")
		wantField(t, callAPI(t, e, "POST", "/api/actions", owner.Access, map[string]any{"title": "x", "assigneeId": other.UserID}), "assigneeId")
		for field, body := range map[string]map[string]any{
			"title":    {"title": ""},
			"priority": {"title": "x", "priority": "Urgent"},
			"severity": {"title": "x", "severity": "Huge"},
			"dueOn":    {"title": "x", "dueOn": "2020-01-01"},
		} {
			wantField(t, callAPI(t, e, "POST", "/api/actions", owner.Access, body), field)
		}
		wantField(t, doAPI(t, e, apptest.Request{Method: "PATCH", Path: "/api/actions/" + atMine.ID, Token: owner.Access,
			Body: map[string]any{"assigneeId": other.UserID, "version": 1}}), "assigneeId")
	})
}

func TestActionConcurrentEdits(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Action Race")
		a := newAction(t, e, owner, map[string]any{"title": "Race"})
		patch := func(ifMatch string, body map[string]any) *apptest.Response {
			return e.Do(apptest.Request{Method: "PATCH", Path: "/api/actions/" + a.ID, Token: owner.Access, Body: body, Header: map[string]string{"If-Match": ifMatch}})
		}
		wantProblem(t, doAPI(t, e, apptest.Request{Method: "PATCH", Path: "/api/actions/" + a.ID, Token: owner.Access, Body: map[string]any{"title": "x"}}),
			http.StatusPreconditionRequired, "PRECONDITION_REQUIRED")
		const n = 8
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = patch(`"1"`, map[string]any{"title": fmt.Sprintf("Writer %d", i)}).Status
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
		r := e.Must(200, patch(`"2"`, map[string]any{"dueOn": "2099-12-31", "priority": "Critical"}))
		if r.Header.Get("ETag") != `"3"` {
			t.Errorf("ETag %q", r.Header.Get("ETag"))
		}
		hist := listItems[actionEvent](t, e.Must(200, callAPI(t, e, "GET", "/api/actions/"+a.ID+"/history", owner.Access, nil)))
		var kinds []string
		for _, h := range hist {
			kinds = append(kinds, h.Kind)
		}
		if got := strings.Join(kinds, ","); got != "created,updated,updated,due_changed" {
			t.Errorf("history %s", got)
		}
	})
}

func TestActionListsAndCSV(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
		e := apptest.New(t, engine, apptest.WithNow(clock.Now))
		owner := e.Signup("Action Lists")
		st := newStation(t, e, owner, "AL-1", nil)
		newAction(t, e, owner, map[string]any{"title": "Due in 3", "severity": "Critical", "priority": "Critical", "stationId": st.ID})
		newAction(t, e, owner, map[string]any{"title": "Due in 14", "severity": "Major", "priority": "Low", "assigneeId": owner.UserID})
		newAction(t, e, owner, map[string]any{"title": "Due in 30", "priority": "High"})
		newAction(t, e, owner, map[string]any{"title": "=cmd|' /C calc'!A0", "dueOn": "2026-05-08"}) // 5 days overdue: not escalated
		clock.Advance(12 * 24 * time.Hour)                                                           // 2026-05-13
		e.Login(owner)
		titles := func(q string) string {
			var out []string
			for _, a := range listItems[actionItem](t, e.Must(200, callAPI(t, e, "GET", "/api/actions?"+q, owner.Access, nil))) {
				out = append(out, a.Title)
			}
			return strings.Join(out, ",")
		}
		for q, want := range map[string]string{
			"":                                    "Due in 3,=cmd|' /C calc'!A0,Due in 14,Due in 30",
			"overdue=true":                        "Due in 3,=cmd|' /C calc'!A0",
			"escalated=true":                      "Due in 3",
			"mine=true":                           "Due in 14",
			"stationId=" + st.ID:                  "Due in 3",
			"sort=-priority":                      "Due in 3,Due in 30,=cmd|' /C calc'!A0,Due in 14",
			"sort=-dueOn&limit=2":                 "Due in 30,Due in 14",
			"dueFrom=2026-05-05&dueTo=2026-05-15": "=cmd|' /C calc'!A0,Due in 14",
			"q=due%20in%201":                      "Due in 14",
			"sourceType=manual&status=Open":       "Due in 3,=cmd|' /C calc'!A0,Due in 14,Due in 30",
			"sourceType=finding":                  "",
		} {
			if got := titles(q); got != want {
				t.Errorf("%s:\n got %q\nwant %q", q, got, want)
			}
		}
		// Paging by priority visits each action once.
		var seen []string
		cursor := ""
		for range 10 {
			pg := decodeJSON[struct {
				Items      []actionItem
				NextCursor string
			}](t, e.Must(200, callAPI(t, e, "GET", "/api/actions?sort=priority&limit=1&cursor="+cursor, owner.Access, nil)))
			for _, a := range pg.Items {
				seen = append(seen, a.Priority)
			}
			if cursor = pg.NextCursor; cursor == "" {
				break
			}
		}
		if got := strings.Join(seen, ","); got != "Low,Medium,High,Critical" {
			t.Errorf("priority pages: %s", got)
		}
		wantField(t, callAPI(t, e, "GET", "/api/actions?dueFrom=May", owner.Access, nil), "dueFrom")
		wantField(t, callAPI(t, e, "GET", "/api/actions?sort=title", owner.Access, nil), "sort")

		r := e.Must(200, callAPI(t, e, "GET", "/api/actions?format=csv&overdue=true", owner.Access, nil))
		lines := strings.Split(strings.TrimSpace(string(r.Body)), "\n")
		if len(lines) != 3 || lines[0] != "number,title,status,priority,severity,dueOn,overdue,escalated,assigneeId,assignee,stationId,station,sourceType,sourceId,createdAt" {
			t.Fatalf("csv:\n%s", r.Body)
		}
		if !strings.HasPrefix(lines[1], "CA-2026-0001,Due in 3,Open,Critical,Critical,2026-05-04,true,true,,,"+st.ID+","+st.Name+",manual,,") ||
			!strings.Contains(lines[2], `'=cmd|' /C calc'!A0`) {
			t.Errorf("csv rows:\n%s", r.Body)
		}
	})
}

// Verifying the last open action of a completed audit closes the audit in
// the same transaction; verifying an earlier one does not.
func TestActionVerificationClosesAudit(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Closing Audits")
		cm := e.Invite(owner, "sys-compliance_manager", nil)
		st := newStation(t, e, owner, "CL-1", nil)
		ctx := context.Background()
		now := time.Now().UTC()
		err := e.App.DB.InTx(ctx, sqlstore.Scope{OrgID: owner.OrgID}, func(tx *sqlstore.Tx) error {
			for _, q := range []string{
				`INSERT INTO form_templates (organization_id, id, name, kind, created_at, updated_at) VALUES (?, 'ft-close', 'Form', 'audit', ?, ?)`,
				`INSERT INTO form_versions (organization_id, id, template_id, number, status, definition, created_at) VALUES (?, 'fv-close', 'ft-close', 1, 'published', '{}', ?)`,
			} {
				args := []any{owner.OrgID, now}
				if strings.Count(q, "?") == 3 {
					args = append(args, now)
				}
				if _, err := tx.Exec(ctx, q, args...); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx, `INSERT INTO audits (organization_id, id, number, station_id, form_version_id, auditor_user_id, status,
				scheduled_for, created_by, created_at, updated_at) VALUES (?, 'au-close', 'AUD-2026-9999', ?, 'fv-close', ?, 'Completed', ?, ?, ?, ?)`,
				owner.OrgID, st.ID, owner.UserID, now, owner.UserID, now, now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, title := range []string{"Finding one", "Finding two"} {
			a := &capa.Action{Title: title, SourceType: capa.SourceFinding, SourceID: "finding-" + title, AuditID: "au-close", StationID: st.ID,
				AssigneeUserID: owner.UserID, Severity: "Minor", CreatedBy: owner.UserID, CreatedAt: now}
			if err := e.App.DB.Actions().InTx(ctx, hse.TxScope{OrgID: owner.OrgID}, func(tx capa.Tx) error { return tx.CreateAction(ctx, owner.OrgID, a) }); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, a.ID)
		}
		auditStatus := func() string {
			var s string
			if err := e.App.DB.InTx(ctx, sqlstore.Scope{OrgID: owner.OrgID, ReadOnly: true}, func(tx *sqlstore.Tx) error {
				return tx.QueryRow(ctx, `SELECT status FROM audits WHERE organization_id = ? AND id = 'au-close'`, owner.OrgID).Scan(&s)
			}); err != nil {
				t.Fatal(err)
			}
			return s
		}
		for i, id := range ids {
			e.Must(200, move(t, e, owner, id, "start", nil))
			e.Must(200, move(t, e, owner, id, "complete", map[string]any{"notes": "Fixed"}))
			e.Must(200, move(t, e, cm, id, "verify", nil))
			want := "Completed"
			if i == len(ids)-1 {
				want = "Closed"
			}
			if got := auditStatus(); got != want {
				t.Errorf("after verifying %d of %d actions the audit is %s, want %s", i+1, len(ids), got, want)
			}
			// The explicit close is refused while an action is open, and
			// once the audit closed itself there is nothing left to close.
			r := callAPI(t, e, "POST", "/api/audits/au-close/close", owner.Access, nil)
			wantCode := map[bool]string{false: "ACTIONS_OPEN", true: "INVALID_TRANSITION"}[i == len(ids)-1]
			if r.Status != 409 || r.Code() != wantCode {
				t.Errorf("close after verifying %d of %d actions: %d %s, want 409 %s", i+1, len(ids), r.Status, r.Body, wantCode)
			}
		}
		log := string(e.Must(200, callAPI(t, e, "GET", "/api/audit-log?action=audit.closed", owner.Access, nil)).Body)
		if !strings.Contains(log, `"entityId":"au-close"`) {
			t.Errorf("closing is not in the audit trail: %s", log)
		}
		listed := listItems[actionItem](t, e.Must(200, callAPI(t, e, "GET", "/api/actions?sourceType=finding&sourceId=finding-Finding%20one", owner.Access, nil)))
		if len(listed) != 1 || listed[0].Status != "Verified" {
			t.Errorf("by source: %+v", listed)
		}
	})
}

// flushCounter records a streamed response: how often the handler flushed
// and the most bytes it wrote between two flushes.
type flushCounter struct {
	header  http.Header
	status  int
	body    bytes.Buffer
	flushes int
	pending int
	maxRun  int
}

func (f *flushCounter) Header() http.Header { return f.header }
func (f *flushCounter) WriteHeader(s int)   { f.status = s }
func (f *flushCounter) Write(b []byte) (int, error) {
	f.pending += len(b)
	f.maxRun = max(f.maxRun, f.pending)
	return f.body.Write(b)
}
func (f *flushCounter) Flush() { f.flushes, f.pending = f.flushes+1, 0 }

// A CSV export of 10,000 actions streams page by page: every row arrives,
// and the server never holds more than one page of rows.
func TestActionCSVExportStreams(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Big Export")
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Second)
		due := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		const n = 10000
		// Bulk rows straight into the table: the API path is tested
		// elsewhere, and 10,000 requests would only slow the test.
		err := e.App.DB.InTx(ctx, sqlstore.Scope{OrgID: owner.OrgID}, func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(ctx, `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 10000)
				INSERT INTO actions (organization_id, id, number, source_type, title, due_on, priority, status, version, created_at, updated_at)
				SELECT ?, 'bulk-' || CAST(i AS TEXT), 'CA-2030-' || CAST(i AS TEXT), 'manual', 'Bulk action ' || CAST(i AS TEXT), ?, 'Low', 'Open', 1, ?, ?
				FROM seq`, owner.OrgID, due, now, now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("GET", "/api/actions?format=csv&sort=number", nil)
		req.Header.Set("Authorization", "Bearer "+owner.Access)
		req.RemoteAddr = e.IP + ":40000"
		w := &flushCounter{header: http.Header{}, status: 200}
		e.App.API.ServeHTTP(w, req)
		if w.status != 200 {
			t.Fatalf("status %d: %s", w.status, w.body.String())
		}
		rows, seen := 0, map[string]bool{}
		sc := bufio.NewScanner(&w.body)
		for sc.Scan() {
			rows++
			if rows > 1 {
				seen[strings.SplitN(sc.Text(), ",", 2)[0]] = true
			}
		}
		if rows != n+1 || len(seen) != n {
			t.Errorf("%d lines with %d distinct numbers, want a header and %d rows", rows, len(seen), n)
		}
		// One flush per page of 100 rows (a row is well under 200 bytes).
		if w.flushes < n/100 || w.maxRun > 100*200 {
			t.Errorf("%d flushes, at most %d bytes between two: the export did not stream page by page", w.flushes, w.maxRun)
		}
	})
}
