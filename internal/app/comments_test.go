package app_test

import (
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

type commentItem struct {
	ID, EntityType, EntityID, AuthorID, Body string
	Mentions                                 []string
	Deleted                                  bool
}

func TestCommentsOnActions(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newAuditFixture(t, engine, "Talk Co")
		e, owner := f.e, f.owner
		other := newStation(t, e, owner, "TALK-2", nil)
		sm := e.Invite(owner, "sys-station_manager", map[string]any{"stationIds": []string{f.station.ID}})
		viewer := e.Invite(owner, "sys-viewer", nil)
		a := newAction(t, e, owner, map[string]any{"title": "Repaint the bollards", "stationId": f.station.ID, "priority": "Low"})
		elsewhere := newAction(t, e, owner, map[string]any{"title": "Elsewhere", "stationId": other.ID, "priority": "Low"})
		path := "/api/actions/" + a.ID + "/comments"

		c := decodeJSON[commentItem](t, e.Must(201, callAPI(t, e, "POST", path, owner.Access, map[string]any{
			"body": "  @Sam can you take this before the inspection?  ", "mentions": []string{sm.UserID, sm.UserID}})))
		if c.Body != "@Sam can you take this before the inspection?" || len(c.Mentions) != 1 || c.Mentions[0] != sm.UserID ||
			c.AuthorID != owner.UserID || c.EntityType != "action" || c.EntityID != a.ID {
			t.Fatalf("created %+v", c)
		}
		evs := eventsOf(t, e, owner.OrgID, "action", a.ID)
		last := evs[len(evs)-1]
		if last.Type != "comment:created" || last.Payload["commentId"] != c.ID || last.Payload["stationId"] != f.station.ID {
			t.Fatalf("event %+v", last)
		}
		if m, _ := last.Payload["mentions"].([]any); len(m) != 1 || m[0] != sm.UserID {
			t.Fatalf("event mentions %v", last.Payload["mentions"])
		}
		reply := decodeJSON[commentItem](t, e.Must(201, callAPI(t, e, "POST", path, sm.Access, map[string]any{"body": "On it."})))

		// Bad input names the field.
		for _, body := range []map[string]any{{"body": "   "}, {"body": "x", "mentions": []string{"00000000-0000-7000-8000-000000000000"}}} {
			if r := callAPI(t, e, "POST", path, owner.Access, body); r.Status != 400 && r.Status != 422 {
				t.Fatalf("%v: %d %s", body, r.Status, r.Body)
			}
		}
		// A viewer reads the thread but cannot write to it; a station
		// manager cannot see another station's action at all.
		list := decodeJSON[struct{ Items []commentItem }](t, e.Must(200, callAPI(t, e, "GET", path, viewer.Access, nil)))
		if len(list.Items) != 2 || list.Items[0].ID != c.ID || list.Items[1].ID != reply.ID {
			t.Fatalf("thread %+v", list.Items)
		}
		if r := callAPI(t, e, "POST", path, viewer.Access, map[string]any{"body": "hi"}); r.Status != 403 {
			t.Fatalf("viewer comment: %d", r.Status)
		}
		for _, m := range []string{"GET", "POST"} {
			if r := callAPI(t, e, m, "/api/actions/"+elsewhere.ID+"/comments", sm.Access, map[string]any{"body": "hi"}); r.Status != 404 {
				t.Fatalf("%s out of scope: %d", m, r.Status)
			}
		}
		if r := callAPI(t, e, "GET", "/api/actions/00000000-0000-7000-8000-000000000000/comments", owner.Access, nil); r.Status != 404 {
			t.Fatalf("unknown action: %d", r.Status)
		}

		// Only the author (or an administrator) deletes; the thread keeps
		// the place of a deleted comment without its text.
		if r := callAPI(t, e, "DELETE", "/api/comments/"+c.ID, sm.Access, nil); r.Status != 403 {
			t.Fatalf("delete by another member: %d", r.Status)
		}
		e.Must(204, callAPI(t, e, "DELETE", "/api/comments/"+reply.ID, sm.Access, nil))
		e.Must(204, callAPI(t, e, "DELETE", "/api/comments/"+c.ID, owner.Access, nil))
		if r := callAPI(t, e, "DELETE", "/api/comments/"+c.ID, owner.Access, nil); r.Status != 404 {
			t.Fatalf("second delete: %d", r.Status)
		}
		list = decodeJSON[struct{ Items []commentItem }](t, e.Must(200, callAPI(t, e, "GET", path, owner.Access, nil)))
		if len(list.Items) != 2 || !list.Items[0].Deleted || list.Items[0].Body != "" || len(list.Items[0].Mentions) != 0 {
			t.Fatalf("after delete %+v", list.Items)
		}
	})
}

// fillCommentTables adds a comment for the backup round trip.
func fillCommentTables(t *testing.T, e *apptest.Env, owner *apptest.User) {
	t.Helper()
	a := newAction(t, e, owner, map[string]any{"title": "Backup commented action", "priority": "Low"})
	e.Must(201, e.Call("POST", "/api/actions/"+a.ID+"/comments", owner.Access, map[string]any{"body": "Backup comment"}))
}
