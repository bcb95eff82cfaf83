package app_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// patchAction sends a PATCH of an action with its version as If-Match.
func patchAction(t *testing.T, e *apptest.Env, u *apptest.User, id, ifMatch string, body map[string]any) *apptest.Response {
	t.Helper()
	return doAPI(t, e, apptest.Request{Method: "PATCH", Path: "/api/actions/" + id, Token: u.Access, Body: body,
		Header: map[string]string{"If-Match": ifMatch}})
}

// An edit validates every enumerated value as creation does: an empty
// priority is a 400 naming the field, not a 500 from the database's
// CHECK constraint, and the action is left as it was.
func TestActionUpdateValidatesPriority(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Priority Checks")
		a := newAction(t, e, owner, map[string]any{"title": "Refill the spill kit", "priority": "High"})
		for _, bad := range []string{"", "Bogus", "high"} {
			wantField(t, patchAction(t, e, owner, a.ID, `"1"`, map[string]any{"priority": bad}), "priority")
		}
		got := decodeJSON[actionItem](t, e.Must(200, callAPI(t, e, "GET", "/api/actions/"+a.ID, owner.Access, nil)))
		if got.Priority != "High" || got.Version != 1 {
			t.Errorf("after refused edits: priority %q, version %d", got.Priority, got.Version)
		}
		ok := decodeJSON[actionItem](t, e.Must(200, patchAction(t, e, owner, a.ID, `"1"`, map[string]any{"priority": "Low"})))
		if ok.Priority != "Low" || ok.Version != 2 {
			t.Errorf("a valid priority: %+v", ok)
		}
	})
}

// A past due day is refused on an edit as on creation; today is fine, and
// an overdue action keeps its past due day through edits of other fields.
func TestActionUpdateRefusesPastDueDay(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
		e := apptest.New(t, engine, apptest.WithNow(clock.Now))
		owner := e.Signup("Due Days")
		a := newAction(t, e, owner, map[string]any{"title": "Label the emergency stop", "dueOn": "2026-03-12"})
		wantField(t, patchAction(t, e, owner, a.ID, `"1"`, map[string]any{"dueOn": "2026-03-09"}), "dueOn")
		today := decodeJSON[actionItem](t, e.Must(200, patchAction(t, e, owner, a.ID, `"1"`, map[string]any{"dueOn": "2026-03-10"})))
		if today.DueOn != "2026-03-10" {
			t.Fatalf("due today: %+v", today)
		}
		// Three days later the action is overdue; renaming it keeps the
		// due day, and sending that same day back is no change of it.
		clock.Advance(72 * time.Hour)
		e.Login(owner)
		renamed := decodeJSON[actionItem](t, e.Must(200, patchAction(t, e, owner, a.ID, `"2"`,
			map[string]any{"title": "Label and test the emergency stop", "dueOn": "2026-03-10"})))
		if renamed.DueOn != "2026-03-10" || !renamed.Overdue {
			t.Errorf("renamed overdue action: %+v", renamed)
		}
		wantField(t, patchAction(t, e, owner, a.ID, `"3"`, map[string]any{"dueOn": "2026-03-11"}), "dueOn")
	})
}

// Start, complete, verify and reject check who may make the move before
// the version and the state: a caller without the permission gets 403
// whatever state the action is in, and learns nothing of it.
func TestActionMovesCheckPermissionBeforeState(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Move Order")
		st := newStation(t, e, owner, "MO-1", nil)
		sm := e.Invite(owner, "sys-station_manager", map[string]any{"stationIds": []string{st.ID}})
		viewer := e.Invite(owner, "sys-viewer", nil)
		open := newAction(t, e, owner, map[string]any{"title": "Open one", "stationId": st.ID, "assigneeId": sm.UserID})
		done := newAction(t, e, owner, map[string]any{"title": "Completed one", "stationId": st.ID, "assigneeId": sm.UserID})
		e.Must(200, move(t, e, sm, done.ID, "start", nil))
		e.Must(200, move(t, e, sm, done.ID, "complete", map[string]any{"notes": "Done"}))

		cases := []struct {
			who  *apptest.User
			id   string
			move string
			body map[string]any
			code string
		}{
			// Before: 409 INVALID_TRANSITION (a Completed action is not started).
			{viewer, done.ID, "start", nil, "FORBIDDEN"},
			// Before: 409 (an Open action is not verified) though the station
			// manager may never verify.
			{sm, open.ID, "verify", nil, "FORBIDDEN"},
			{sm, open.ID, "reject", map[string]any{"reason": "no"}, "FORBIDDEN"},
			{viewer, open.ID, "complete", map[string]any{"notes": "x"}, "FORBIDDEN"},
			{owner, open.ID, "complete", map[string]any{"notes": "x"}, "NOT_ASSIGNEE"},
		}
		for _, c := range cases {
			wantProblem(t, move(t, e, c.who, c.id, c.move, c.body), http.StatusForbidden, c.code)
		}
		// A stale If-Match from a caller without the permission is the
		// same 403, not a 412 that would tell the current version.
		wantProblem(t, doAPI(t, e, apptest.Request{Method: "POST", Path: "/api/actions/" + done.ID + "/verify", Token: sm.Access,
			Header: map[string]string{"If-Match": `"1"`}}), http.StatusForbidden, "FORBIDDEN")
		// With the permission, the state is what refuses.
		wantProblem(t, move(t, e, owner, open.ID, "verify", nil), http.StatusConflict, "INVALID_TRANSITION")
	})
}
