package app_test

import (
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// Records refer to uploaded files by id: an id that was never uploaded to
// the organization is refused, and the links decide who may download.
func TestAttachmentLinks(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Links Fuel")
		other := e.Signup("Links Other")
		foreign := uploadID(t, e, other.Access, "theirs.pdf", testPDF)
		cert := uploadID(t, e, owner.Access, "insurance.pdf", testPDF)

		// Contractor documents.
		c := e.Must(201, e.Call("POST", "/api/contractors", owner.Access, map[string]any{"name": "Links Welding"})).JSON(t)
		docs := "/api/contractors/" + c["id"].(string) + "/documents"
		for _, id := range []string{"00000000-0000-7000-8000-000000000000", foreign} {
			p := wantProblem(t, e.Call("POST", docs, owner.Access, map[string]any{"type": "insurance", "attachmentId": id}), 422, "UNKNOWN_ATTACHMENT")
			if len(p.Errors) != 1 || p.Errors[0].Field != "attachmentId" {
				t.Errorf("unknown attachment: %+v", p.Errors)
			}
		}
		doc := e.Must(201, e.Call("POST", docs, owner.Access, map[string]any{"type": "insurance", "attachmentId": cert})).JSON(t)
		v := e.Must(200, e.Call("GET", "/api/attachments/"+cert, owner.Access, nil)).JSON(t)
		links, _ := v["links"].([]any)
		if len(links) != 1 || links[0].(map[string]any)["entityType"] != "contractor_document" || links[0].(map[string]any)["entityId"] != doc["id"] {
			t.Errorf("links %v", v["links"])
		}
		wantProblem(t, e.Call("DELETE", "/api/attachments/"+cert, owner.Access, nil), 409, "ATTACHMENT_IN_USE")
		e.Must(204, e.Call("DELETE", docs+"/"+doc["id"].(string), owner.Access, nil))
		e.Must(204, e.Call("DELETE", "/api/attachments/"+cert, owner.Access, nil))

		// Station scope: a station manager sees their own uploads and the
		// files of records at their stations, nothing else.
		st1 := e.Must(201, e.Call("POST", "/api/stations", owner.Access, map[string]any{"code": "LK-1", "name": "Links One"})).JSON(t)["id"].(string)
		st2 := e.Must(201, e.Call("POST", "/api/stations", owner.Access, map[string]any{"code": "LK-2", "name": "Links Two"})).JSON(t)["id"].(string)
		sm := e.Invite(owner, "sys-station_manager", map[string]any{"stationIds": []string{st1}})
		atOne := uploadID(t, e, owner.Access, "one.jpg", testJPEG(t, 20, 20))
		atTwo := uploadID(t, e, owner.Access, "two.jpg", testJPEG(t, 20, 20))
		loose := uploadID(t, e, owner.Access, "loose.pdf", testPDF)
		own := uploadID(t, e, sm.Access, "mine.pdf", testPDF)
		complete := func(station, evidence string) {
			t.Helper()
			ac := e.Must(201, e.Call("POST", "/api/actions", owner.Access, map[string]any{"title": "Fix " + station, "stationId": station, "assigneeId": owner.UserID})).JSON(t)
			path := "/api/actions/" + ac["id"].(string)
			e.Must(200, e.Call("POST", path+"/start", owner.Access, nil))
			wantProblem(t, e.Call("POST", path+"/complete", owner.Access, map[string]any{"notes": "done", "attachmentIds": []string{foreign}}), 422, "UNKNOWN_ATTACHMENT")
			e.Must(200, e.Call("POST", path+"/complete", owner.Access, map[string]any{"notes": "done", "attachmentIds": []string{evidence}}))
		}
		complete(st1, atOne)
		complete(st2, atTwo)
		for id, want := range map[string]int{atOne: 200, atTwo: 404, loose: 404, own: 200} {
			for _, p := range []string{"", "/content"} {
				if r := e.Call("GET", "/api/attachments/"+id+p, sm.Access, nil); r.Status != want {
					t.Errorf("station manager GET %s%s: %d, want %d", id, p, r.Status, want)
				}
			}
		}
		e.Must(200, e.Call("GET", "/api/attachments/"+atOne+"/thumbnail", sm.Access, nil))
		// Only the uploader or an administrator deletes.
		wantProblem(t, e.Call("DELETE", "/api/attachments/"+atOne, sm.Access, nil), 403, "FORBIDDEN")
		e.Must(204, e.Call("DELETE", "/api/attachments/"+own, sm.Access, nil))
	})
}
