package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// The files of permits: attachment ids must be uploads of the
// organization, and the links decide who may open them.

func TestPermitAttachments(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		w := newPermitWorld(t, engine)
		e := w.e
		// The attachment ids must be files of the organization: an
		// unknown one is 422 naming the field.
		r := callAPI(t, e, "POST", "/api/permits", w.sm.Access, map[string]any{"type": "General", "stationId": w.station.ID,
			"description": "x", "location": "y", "validFrom": w.at(1), "validTo": w.at(2), "attachmentIds": []string{"no-such-file"}})
		if p := wantProblem(t, r, 422, "UNKNOWN_ATTACHMENT"); len(p.Errors) != 1 || p.Errors[0].Field != "attachmentIds[0]" {
			t.Errorf("unknown attachment: %s", r.Body)
		}
		if n := len(listItems[permitItem](t, e.Must(200, callAPI(t, e, "GET", "/api/permits", w.owner.Access, nil)))); n != 0 {
			t.Errorf("a refused permit was stored: %d", n)
		}
		file := uploadID(t, e, w.sm.Access, "plan.pdf", testPDF)
		p := w.request(t, w.sm, map[string]any{"attachmentIds": []string{file}})
		if strings.Join(p.AttachmentIDs, ",") != file {
			t.Errorf("attachments: %v", p.AttachmentIDs)
		}
		// The refused permit did not take a number: the series stays gap-free.
		if p.Number != "PTW-2026-0001" {
			t.Errorf("number %s", p.Number)
		}
	})
}

// fillPermitTables gives the backup round trip rows in every permit table:
// a hot-work permit with an attachment, its precautions, a gas test, an
// approval, an extension and their history.
func fillPermitTables(t *testing.T, e *apptest.Env, owner *apptest.User) {
	t.Helper()
	st := newStation(t, e, owner, "BACKUP-PTW-1", nil)
	cm := e.Invite(owner, "sys-compliance_manager", nil)
	now := time.Now().UTC()
	plan := uploadID(t, e, owner.Access, "plan.pdf", testPDF)
	p := decodeJSON[permitItem](t, e.Must(201, callAPI(t, e, "POST", "/api/permits", owner.Access, map[string]any{"type": "Hot Work",
		"stationId": st.ID, "description": "Backup welding", "location": "Canopy", "attachmentIds": []string{plan},
		"validFrom": now.Add(-time.Minute).Format(time.RFC3339), "validTo": now.Add(6 * time.Hour).Format(time.RFC3339)})))
	for _, k := range []string{"fire_extinguisher", "barricaded_area", "fire_watch", "dispenser_estop_isolated", "drains_sealed", "no_fuel_delivery"} {
		e.Must(200, callAPI(t, e, "PUT", "/api/permits/"+p.ID+"/precautions/"+k, owner.Access, nil))
	}
	e.Must(201, callAPI(t, e, "POST", "/api/permits/"+p.ID+"/gas-tests", cm.Access, map[string]any{"o2": 20.9, "lel": 1, "h2s": 0, "co": 3, "tester": "Backup Tester"}))
	e.Must(200, callAPI(t, e, "POST", "/api/permits/"+p.ID+"/submit", owner.Access, nil))
	e.Must(200, callAPI(t, e, "POST", "/api/permits/"+p.ID+"/approve", cm.Access, nil))
	e.Must(201, callAPI(t, e, "POST", "/api/permits/"+p.ID+"/isolations", cm.Access, map[string]any{"point": "Canopy lighting circuit", "method": "Fuse withdrawn, tag 1143"}))
	e.Must(200, callAPI(t, e, "POST", "/api/permits/"+p.ID+"/extend", cm.Access, map[string]any{
		"validTo": now.Add(8 * time.Hour).Format(time.RFC3339), "reason": "Backup extension"}))
}

// Contractor staff open the files of their company's permits and
// documents, whoever uploaded them; another company's staff do not.
func TestContractorStaffOpenTheirCompanysFiles(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		w := newPermitWorld(t, engine)
		e := w.e
		rival := newContractor(t, e, w.owner, "Rival Welding", nil)
		rivalStaff := e.Invite(w.owner, "sys-contractor", map[string]any{"contractorId": rival.ID})

		plan := uploadID(t, e, w.sm.Access, "method-statement.pdf", testPDF)
		w.request(t, w.sm, map[string]any{"attachmentIds": []string{plan}})
		cert := uploadID(t, e, w.owner.Access, "insurance.pdf", testPDF)
		e.Must(201, callAPI(t, e, "POST", "/api/contractors/"+w.company.ID+"/documents", w.owner.Access,
			map[string]any{"type": "licence", "number": "LIC-9", "expiresOn": "2030-01-01", "attachmentId": cert}))

		for _, id := range []string{plan, cert} {
			e.Must(200, callAPI(t, e, "GET", "/api/attachments/"+id+"/content", w.con.Access, nil))
			if r := callAPI(t, e, "GET", "/api/attachments/"+id+"/content", rivalStaff.Access, nil); r.Status != 404 {
				t.Errorf("another company's staff opened %s: %d", id, r.Status)
			}
		}
		// Moving a draft to in-house work takes the company's access away.
		p := listItems[permitItem](t, e.Must(200, callAPI(t, e, "GET", "/api/permits", w.owner.Access, nil)))[0]
		e.Must(200, doAPI(t, e, apptest.Request{Method: "PATCH", Path: "/api/permits/" + p.ID, Token: w.sm.Access,
			Body: map[string]any{"contractorId": ""}, Header: map[string]string{"If-Match": `"1"`}}))
		if r := callAPI(t, e, "GET", "/api/attachments/"+plan+"/content", w.con.Access, nil); r.Status != 404 {
			t.Errorf("the company still opens the file of a permit that is no longer theirs: %d", r.Status)
		}
	})
}
