package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

type documentItem struct {
	ID, Type, Number, IssuedOn, ExpiresOn string
	Valid, ExpiringSoon                   bool
}

type contractorItem struct {
	ID, Name, Status, Specialization string
	DocumentsValid                   bool
	Version                          int64
	Documents                        []documentItem
}

func newContractor(t *testing.T, e *apptest.Env, u *apptest.User, name string, extra map[string]any) contractorItem {
	t.Helper()
	body := map[string]any{"name": name, "specialization": "Electrical"}
	for k, v := range extra {
		body[k] = v
	}
	return decodeJSON[contractorItem](t, e.Must(201, callAPI(t, e, "POST", "/api/contractors", u.Access, body)))
}

func TestContractorDocuments(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
		e := apptest.New(t, engine, apptest.WithNow(clock.Now))
		owner := e.Signup("Contracting Co")
		c := newContractor(t, e, owner, "Sparks Ltd", map[string]any{"licenceNumber": "EL-42", "contactEmail": "ops@sparks.example"})
		if c.Status != "Active" || !c.DocumentsValid || c.Version != 1 {
			t.Fatalf("created: %+v", c)
		}
		add := func(body map[string]any) documentItem {
			return decodeJSON[documentItem](t, e.Must(201, callAPI(t, e, "POST", "/api/contractors/"+c.ID+"/documents", owner.Access, body)))
		}
		ins := add(map[string]any{"type": "insurance", "number": "INS-1", "issuedOn": "2026-01-01", "expiresOn": "2026-12-31"})
		lic := add(map[string]any{"type": "licence", "number": "LIC-1", "expiresOn": "2026-06-20"})
		cert := add(map[string]any{"type": "certification", "number": "C-1"})
		if !ins.Valid || ins.ExpiringSoon || !lic.Valid || !lic.ExpiringSoon || !cert.Valid || cert.ExpiringSoon {
			t.Errorf("validity: %+v %+v %+v", ins, lic, cert)
		}
		// Valid through the expiry day, expired the day after.
		clock.Advance(19 * 24 * time.Hour) // 2026-06-20
		e.Login(owner)                     // the access token expired meanwhile
		got := decodeJSON[contractorItem](t, e.Must(200, callAPI(t, e, "GET", "/api/contractors/"+c.ID, owner.Access, nil)))
		if !got.DocumentsValid || len(got.Documents) != 3 || got.Documents[0].ID != lic.ID || !got.Documents[0].Valid {
			t.Errorf("on the expiry day: %+v", got)
		}
		clock.Advance(24 * time.Hour)
		e.Login(owner)
		got = decodeJSON[contractorItem](t, e.Must(200, callAPI(t, e, "GET", "/api/contractors/"+c.ID, owner.Access, nil)))
		if got.DocumentsValid || got.Documents[0].Valid || got.Documents[0].ExpiringSoon {
			t.Errorf("after expiry: %+v", got)
		}
		list := listItems[contractorItem](t, e.Must(200, callAPI(t, e, "GET", "/api/contractors", owner.Access, nil)))
		if len(list) != 1 || list[0].DocumentsValid {
			t.Errorf("list after expiry: %+v", list)
		}
		// Deleting the expired document makes the company valid again.
		e.Must(204, callAPI(t, e, "DELETE", "/api/contractors/"+c.ID+"/documents/"+lic.ID, owner.Access, nil))
		docs := listItems[documentItem](t, e.Must(200, callAPI(t, e, "GET", "/api/contractors/"+c.ID+"/documents", owner.Access, nil)))
		if len(docs) != 2 {
			t.Errorf("documents after delete: %+v", docs)
		}
		wantProblem(t, callAPI(t, e, "DELETE", "/api/contractors/"+c.ID+"/documents/"+lic.ID, owner.Access, nil), 404, "NOT_FOUND")

		for field, body := range map[string]map[string]any{
			"type":      {"type": "passport"},
			"expiresOn": {"type": "insurance", "expiresOn": "31/12/2026"},
			"issuedOn":  {"type": "insurance", "issuedOn": "2026-02-30"},
		} {
			wantField(t, callAPI(t, e, "POST", "/api/contractors/"+c.ID+"/documents", owner.Access, body), field)
		}
		log := string(e.Must(200, callAPI(t, e, "GET", "/api/audit-log?entityType=contractor_document", owner.Access, nil)).Body)
		if !strings.Contains(log, "contractor.document_added") || !strings.Contains(log, `"before":{"contractorId":"`+c.ID+`","expiresOn":"2026-06-20"`) {
			t.Errorf("audit trail: %s", log)
		}
	})
}

func TestContractorChanges(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Contractor Changes")
		c := newContractor(t, e, owner, "Diggers Ltd", nil)
		patch := func(u *apptest.User, ifMatch string, body map[string]any) *apptest.Response {
			return doAPI(t, e, apptest.Request{Method: "PATCH", Path: "/api/contractors/" + c.ID, Token: u.Access, Body: body,
				Header: map[string]string{"If-Match": ifMatch}})
		}
		r := e.Must(200, patch(owner, `"1"`, map[string]any{"status": "Suspended", "specialization": "Excavation"}))
		if r.Header.Get("ETag") != `"2"` {
			t.Errorf("ETag %q", r.Header.Get("ETag"))
		}
		wantProblem(t, patch(owner, `"1"`, map[string]any{"name": "Lost update"}), http.StatusPreconditionFailed, "STALE_VERSION")
		wantField(t, patch(owner, `"2"`, map[string]any{"status": "Gone"}), "status")
		wantField(t, patch(owner, `"2"`, map[string]any{"contactEmail": "not an address"}), "contactEmail")
		wantField(t, callAPI(t, e, "POST", "/api/contractors", owner.Access, map[string]any{"specialization": "x"}), "name")

		// A compliance manager may change but not deactivate.
		cm := e.Invite(owner, "sys-compliance_manager", nil)
		wantForbiddenNaming(t, callAPI(t, e, "DELETE", "/api/contractors/"+c.ID, cm.Access, nil), "contractors:delete")
		wantForbiddenNaming(t, patch(cm, `"2"`, map[string]any{"status": "Inactive"}), "contractors:delete")
		e.Must(200, patch(cm, `"2"`, map[string]any{"status": "Active"}))
		e.Must(204, callAPI(t, e, "DELETE", "/api/contractors/"+c.ID, owner.Access, nil))
		got := decodeJSON[contractorItem](t, e.Must(200, callAPI(t, e, "GET", "/api/contractors/"+c.ID, owner.Access, nil)))
		if got.Status != "Inactive" || got.Version != 4 {
			t.Errorf("after deactivation: %+v", got)
		}
		log := string(e.Must(200, callAPI(t, e, "GET", "/api/audit-log?entityId="+c.ID, owner.Access, nil)).Body)
		for _, want := range []string{"contractor.created", "contractor.updated", "contractor.deactivated", `"status":"Suspended"`} {
			if !strings.Contains(log, want) {
				t.Errorf("audit trail lacks %s", want)
			}
		}
	})
}

func TestContractorScopeAndList(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine)
		owner := e.Signup("Contractor Scope")
		own := newContractor(t, e, owner, "Alpha Welding", map[string]any{"specialization": "Welding"})
		other := newContractor(t, e, owner, "Beta Electrical", nil)
		newContractor(t, e, owner, "+Gamma =SUM(A1)", map[string]any{"status": "Suspended"})
		con := e.Invite(owner, "sys-contractor", map[string]any{"contractorId": own.ID})
		viewer := e.Invite(owner, "sys-viewer", nil)
		st := newStation(t, e, owner, "CS-1", nil)
		sm := e.Invite(owner, "sys-station_manager", map[string]any{"stationIds": []string{st.ID}})

		names := func(u *apptest.User, q string) string {
			var out []string
			for _, c := range listItems[contractorItem](t, e.Must(200, callAPI(t, e, "GET", "/api/contractors?"+q, u.Access, nil))) {
				out = append(out, c.Name)
			}
			return strings.Join(out, ",")
		}
		if got := names(con, ""); got != "Alpha Welding" {
			t.Errorf("contractor sees %q", got)
		}
		if got := names(sm, ""); got != "+Gamma =SUM(A1),Alpha Welding,Beta Electrical" {
			t.Errorf("station manager sees %q", got)
		}
		for q, want := range map[string]string{"status=Suspended": "+Gamma =SUM(A1)", "specialization=Welding": "Alpha Welding",
			"q=beta": "Beta Electrical", "sort=-name&limit=1": "Beta Electrical"} {
			if got := names(viewer, q); got != want {
				t.Errorf("%s: %q, want %q", q, got, want)
			}
		}
		wantProblem(t, callAPI(t, e, "GET", "/api/contractors/"+other.ID, con.Access, nil), 404, "NOT_FOUND")
		wantProblem(t, callAPI(t, e, "GET", "/api/contractors/"+other.ID+"/documents", con.Access, nil), 404, "NOT_FOUND")
		e.Must(200, callAPI(t, e, "GET", "/api/contractors/"+own.ID, con.Access, nil))
		for _, u := range []*apptest.User{con, viewer, sm} {
			wantForbiddenNaming(t, callAPI(t, e, "POST", "/api/contractors", u.Access, map[string]any{"name": "X"}), "contractors:create")
			wantForbiddenNaming(t, callAPI(t, e, "POST", "/api/contractors/"+own.ID+"/documents", u.Access, map[string]any{"type": "other"}), "contractors:update")
		}
		r := e.Must(200, callAPI(t, e, "GET", "/api/contractors?format=csv", viewer.Access, nil))
		lines := strings.Split(strings.TrimSpace(string(r.Body)), "\n")
		if len(lines) != 4 || !strings.HasPrefix(lines[0], "id,name,licenceNumber,specialization") || !strings.Contains(string(r.Body), "'+Gamma =SUM(A1)") {
			t.Errorf("csv:\n%s", r.Body)
		}
	})
}
