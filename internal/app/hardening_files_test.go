package app_test

import (
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// The organization's logo is an image uploaded to it: any other string,
// another organization's file or a PDF is refused, and the logo in use is
// not deleted.
func TestOrganizationLogoIsAnImageOfTheOrganization(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Logo Co")
		other := e.Signup("Other Logo Co")
		img := uploadID(t, e, owner.Access, "logo.jpg", testJPEG(t, 64, 32))
		pdf := uploadID(t, e, owner.Access, "brand.pdf", testPDF)
		foreign := uploadID(t, e, other.Access, "theirs.jpg", testJPEG(t, 32, 32))
		setLogo := func(id string) *apptest.Response {
			return callAPI(t, e, "PATCH", "/api/organizations/"+owner.OrgID, owner.Access,
				map[string]any{"settings": map[string]any{"timeZone": "Europe/London", "logoFileId": id}})
		}
		// Before: 200 for each.
		wantUnknownAttachment(t, setLogo("any string at all"), "settings.logoFileId")
		wantUnknownAttachment(t, setLogo(foreign), "settings.logoFileId")
		wantField(t, setLogo(pdf), "settings.logoFileId")

		org := e.Must(200, setLogo(img)).JSON(t)
		if got := org["settings"].(map[string]any)["logoFileId"]; got != img {
			t.Fatalf("logoFileId %v, want %s", got, img)
		}
		wantProblem(t, callAPI(t, e, "DELETE", "/api/attachments/"+img, owner.Access, nil), 409, "ATTACHMENT_IN_USE")
		e.Must(200, callAPI(t, e, "PATCH", "/api/organizations/"+owner.OrgID, owner.Access,
			map[string]any{"settings": map[string]any{"timeZone": "Europe/London"}}))
		e.Must(204, callAPI(t, e, "DELETE", "/api/attachments/"+img, owner.Access, nil))
	})
}

// Files attached to records are files the caller may see, by the rule
// downloads follow: contractor staff their own uploads and their
// company's files, station managers theirs and their stations' files.
// Anything else is refused as an unknown attachment.
func TestAttachmentsAreFilesTheCallerMaySee(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		w := newPermitWorld(t, engine)
		e := w.e
		at := w.clock.Now().Add(-time.Hour)
		report := func(u *apptest.User, station string, ids ...string) *apptest.Response {
			return callAPI(t, e, "POST", "/api/incidents", u.Access, incidentBody(station, at, map[string]any{"attachmentIds": ids}))
		}
		loose := uploadID(t, e, w.owner.Access, "loose.pdf", testPDF)
		atOther := uploadID(t, e, w.owner.Access, "other-station.pdf", testPDF)
		e.Must(201, report(w.owner, w.other.ID, atOther))
		atHome := uploadID(t, e, w.owner.Access, "home-station.pdf", testPDF)
		e.Must(201, report(w.owner, w.station.ID, atHome))
		forCompany := uploadID(t, e, w.owner.Access, "method-statement.pdf", testPDF)
		w.request(t, w.owner, map[string]any{"attachmentIds": []string{forCompany}})

		// Contractor staff: before, 201 with a file they cannot open.
		wantUnknownAttachment(t, report(w.con, w.station.ID, loose), "attachmentIds[0]")
		wantUnknownAttachment(t, report(w.con, w.station.ID, atHome), "attachmentIds[0]")
		own := uploadID(t, e, w.con.Access, "photo.jpg", testJPEG(t, 16, 16))
		e.Must(201, report(w.con, w.station.ID, own))
		// Their company's permit files they may attach to its permits.
		w.request(t, w.con, map[string]any{"location": "Tank farm", "attachmentIds": []string{forCompany, own}})
		wantUnknownAttachment(t, callAPI(t, e, "POST", "/api/permits", w.con.Access, map[string]any{"type": "General",
			"stationId": w.station.ID, "description": "Paint", "location": "Shop", "validFrom": w.at(1), "validTo": w.at(3),
			"attachmentIds": []string{own, loose}}), "attachmentIds[1]")

		// A station manager: files of their station, not of another one.
		wantUnknownAttachment(t, report(w.sm, w.station.ID, atOther), "attachmentIds[0]")
		wantUnknownAttachment(t, report(w.sm, w.station.ID, loose), "attachmentIds[0]")
		e.Must(201, report(w.sm, w.station.ID, atHome))
		// Evidence of an action is held to the same rule.
		a := newAction(t, e, w.owner, map[string]any{"title": "Fix it", "stationId": w.station.ID, "assigneeId": w.sm.UserID})
		e.Must(200, move(t, e, w.sm, a.ID, "start", nil))
		wantUnknownAttachment(t, move(t, e, w.sm, a.ID, "complete", map[string]any{"notes": "Done", "attachmentIds": []string{atOther}}),
			"attachmentIds[0]")
		e.Must(200, move(t, e, w.sm, a.ID, "complete", map[string]any{"notes": "Done", "attachmentIds": []string{atHome}}))
		// Organization-wide roles attach any file of the organization.
		e.Must(201, report(w.cm, w.station.ID, loose, atOther))
	})
}
