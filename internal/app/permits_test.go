package app_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/permit"
)

func TestPermitLifecycle(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		w := newPermitWorld(t, engine)
		e := w.e
		p := w.request(t, w.sm, nil)
		if p.Number != "PTW-2026-0001" || p.Status != "Draft" || p.RequestedBy != w.sm.UserID || p.Version != 1 || !p.GasTestRequired ||
			len(p.Precautions) != 6 || p.TypeKey != "hot_work" || p.TypeVersion != 1 || p.Precautions[0].Key != "fire_extinguisher" || p.Precautions[0].Confirmed {
			t.Fatalf("created: %+v", p)
		}
		// Edits while Draft, with the version; a stale one is 412.
		e.Must(200, w.call(t, w.sm, "PATCH", p.ID, map[string]any{"location": "Canopy, pump island 3", "version": 1}))
		wantProblem(t, w.call(t, w.sm, "PATCH", p.ID, map[string]any{"location": "Elsewhere", "version": 1}), http.StatusPreconditionFailed, "STALE_VERSION")
		wantProblem(t, w.call(t, w.sm, "PATCH", p.ID, map[string]any{"location": "Elsewhere"}), http.StatusPreconditionRequired, "PRECONDITION_REQUIRED")
		wantField(t, w.call(t, w.sm, "PATCH", p.ID, map[string]any{"validTo": w.at(14), "version": 2}), "validTo") // 13 h of hot work
		wantField(t, w.call(t, w.sm, "PUT", p.ID+"/precautions/rescue_plan", nil), "key")

		// Approval of a Draft is not a transition.
		wantProblem(t, w.call(t, w.cm, "POST", p.ID+"/approve", nil), 409, "INVALID_TRANSITION")
		w.ready(t, p)
		wantProblem(t, w.call(t, w.sm, "PATCH", p.ID, map[string]any{"location": "Late change", "version": 10}), 409, "PERMIT_NOT_DRAFT")
		wantProblem(t, doAPI(t, e, apptest.Request{Method: "POST", Path: "/api/permits/" + p.ID + "/approve", Token: w.cm.Access,
			Header: map[string]string{"If-Match": `"2"`}}), http.StatusPreconditionFailed, "STALE_VERSION")
		ap := decodeJSON[permitItem](t, e.Must(200, w.call(t, w.cm, "POST", p.ID+"/approve", nil)))
		if ap.Status != "Approved" || ap.ApprovedBy != w.cm.UserID || strings.Join(ap.AllowedTransitions, ",") != "Active,Cancelled,Expired" {
			t.Fatalf("approved: %+v", ap)
		}
		// Too early to start: the window opens in an hour.
		wantReasons(t, w.call(t, w.sm, "POST", p.ID+"/activate", nil), "ACTIVATION_REFUSED", permit.ReasonNotYetValid)
		wantForbiddenNaming(t, w.call(t, w.cm, "POST", p.ID+"/activate", nil), permit.PermActivate)
		w.advance(t, time.Hour)
		act := decodeJSON[permitItem](t, e.Must(200, w.call(t, w.sm, "POST", p.ID+"/activate", nil)))
		if act.Status != "Active" || act.ActivatedBy != w.sm.UserID {
			t.Fatalf("activated: %+v", act)
		}
		wantField(t, w.call(t, w.sm, "POST", p.ID+"/close", map[string]any{"notes": "  "}), "notes")
		wantForbiddenNaming(t, w.call(t, w.con, "POST", p.ID+"/close", map[string]any{"notes": "done"}), permit.PermClose)
		cl := decodeJSON[permitItem](t, e.Must(200, w.call(t, w.sm, "POST", p.ID+"/close", map[string]any{"notes": "Welding done, area hosed down"})))
		if cl.Status != "Closed" || cl.ClosedBy != w.sm.UserID || cl.CloseNotes != "Welding done, area hosed down" || len(cl.AllowedTransitions) != 0 {
			t.Fatalf("closed: %+v", cl)
		}
		wantProblem(t, w.call(t, w.sm, "POST", p.ID+"/cancel", nil), 409, "INVALID_TRANSITION")

		hist := listItems[permitEvent](t, e.Must(200, w.call(t, w.viewer, "GET", p.ID+"/history", nil)))
		var kinds []string
		for _, h := range hist {
			kinds = append(kinds, h.Kind+":"+h.FromStatus+">"+h.ToStatus)
		}
		want := "created:>Draft,updated:>," + strings.Repeat("precaution_confirmed:>,", 6) + "gas_test_recorded:>," +
			"status_changed:Draft>Pending Approval,status_changed:Pending Approval>Approved,status_changed:Approved>Active,status_changed:Active>Closed"
		if got := strings.Join(kinds, ","); got != want {
			t.Errorf("history:\n got %s\nwant %s", got, want)
		}
		log := string(e.Must(200, callAPI(t, e, "GET", "/api/audit-log?entityType=permit&entityId="+p.ID, w.owner.Access, nil)).Body)
		for _, s := range []string{"permit.created", "permit.submit", "permit.approve", "permit.activate", "permit.close", "permit.gas_test_recorded"} {
			if !strings.Contains(log, s) {
				t.Errorf("audit trail lacks %s", s)
			}
		}
		evs, err := e.App.DB.Outbox().Events(ctx, w.owner.OrgID, "work_permit", p.ID)
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, ev := range evs {
			types = append(types, ev.Type+":"+fmt.Sprint(ev.Payload["to"]))
		}
		if got := strings.Join(types, ","); got != "work_permit:created:<nil>,work_permit:status_changed:Pending Approval,"+
			"work_permit:status_changed:Approved,work_permit:status_changed:Active,work_permit:status_changed:Closed" {
			t.Errorf("events: %s", got)
		}
		if last := evs[len(evs)-1]; last.Payload["reason"] != "Welding done, area hosed down" || last.Payload["number"] != p.Number ||
			last.Payload["from"] != "Active" || last.ActorUserID != w.sm.UserID {
			t.Errorf("close event: %+v", last)
		}

		// A rejection needs its reason, and the reason travels in the event.
		q := w.request(t, w.sm, map[string]any{"type": "Electrical", "contractorId": nil})
		e.Must(200, w.call(t, w.sm, "POST", q.ID+"/submit", nil))
		wantField(t, w.call(t, w.cm, "POST", q.ID+"/reject", nil), "reason")
		rj := decodeJSON[permitItem](t, e.Must(200, w.call(t, w.cm, "POST", q.ID+"/reject", map[string]any{"reason": "No isolation plan"})))
		if rj.Status != "Rejected" || rj.Reason != "No isolation plan" || rj.ContractorID != "" {
			t.Errorf("rejected: %+v", rj)
		}
		evs, _ = e.App.DB.Outbox().Events(ctx, w.owner.OrgID, "work_permit", q.ID)
		if last := evs[len(evs)-1]; last.Type != "work_permit:status_changed" || last.Payload["reason"] != "No isolation plan" || last.Payload["to"] != "Rejected" {
			t.Errorf("reject event: %+v", last)
		}
	})
}

func TestPermitApprovalRefusals(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		w := newPermitWorld(t, engine)
		e := w.e
		approve := func(id string) *apptest.Response { return w.call(t, w.cm, "POST", id+"/approve", nil) }
		submit := func(p permitItem) { e.Must(200, w.call(t, w.sm, "POST", p.ID+"/submit", nil)) }

		// Precautions unconfirmed (one of three confirmed) and no gas test.
		p := w.request(t, w.sm, nil)
		e.Must(200, w.call(t, w.sm, "PUT", p.ID+"/precautions/fire_extinguisher", nil))
		submit(p)
		wantReasons(t, approve(p.ID), "APPROVAL_REFUSED", append(slices.Repeat([]string{permit.ReasonPrecautionUnconfirmed}, 5), permit.ReasonGasTestMissing)...)
		// Withdrawing a confirmation counts too.
		w.confirmAll(t, w.sm, p)
		e.Must(200, w.call(t, w.sm, "PUT", p.ID+"/precautions/fire_watch", map[string]any{"confirmed": false}))
		w.gasTest(t, w.cm, p.ID, 20.9, 0, "")
		wantReasons(t, approve(p.ID), "APPROVAL_REFUSED", permit.ReasonPrecautionUnconfirmed)
		e.Must(200, w.call(t, w.sm, "PUT", p.ID+"/precautions/fire_watch", nil))

		// The latest gas test failed; an older pass does not count.
		g := w.gasTest(t, w.cm, p.ID, 20.9, 14, "")
		if len(g.GasTests) != 2 || g.GasTests[0].Passed || len(g.GasTests[0].Failures) != 1 {
			t.Errorf("gas tests: %+v", g.GasTests)
		}
		wantReasons(t, approve(p.ID), "APPROVAL_REFUSED", permit.ReasonGasTestFailed)
		// A test from five hours ago is stale (hot work: 4 h).
		w.gasTest(t, w.cm, p.ID, 20.9, 0, w.at(-5))
		wantReasons(t, approve(p.ID), "APPROVAL_REFUSED", permit.ReasonGasTestFailed) // the failed one is still the latest
		w.advance(t, time.Minute)
		w.gasTest(t, w.cm, p.ID, 20.9, 0, "")
		w.advance(t, 4*time.Hour+time.Minute)
		wantReasons(t, approve(p.ID), "APPROVAL_REFUSED", permit.ReasonGasTestStale)
		w.gasTest(t, w.cm, p.ID, 20.9, 0, "")

		// Self-approval: the owner requests and tries to approve.
		own := w.request(t, w.owner, map[string]any{"type": "General", "stationId": w.other.ID, "contractorId": nil})
		w.confirmAll(t, w.owner, own)
		e.Must(200, w.call(t, w.owner, "POST", own.ID+"/submit", nil))
		wantReasons(t, w.call(t, w.owner, "POST", own.ID+"/approve", nil), "APPROVAL_REFUSED", permit.ReasonSelfApproval)
		e.Must(200, w.call(t, w.cm, "POST", own.ID+"/approve", nil))

		// The contractor suspended, then its insurance expired.
		e.Must(200, callAPI(t, e, "PATCH", "/api/contractors/"+w.company.ID, w.owner.Access, map[string]any{"status": "Suspended", "version": 1}))
		wantReasons(t, approve(p.ID), "APPROVAL_REFUSED", permit.ReasonContractorNotActive)
		e.Must(200, callAPI(t, e, "PATCH", "/api/contractors/"+w.company.ID, w.owner.Access, map[string]any{"status": "Active", "version": 2}))
		c := decodeJSON[contractorItem](t, e.Must(200, callAPI(t, e, "GET", "/api/contractors/"+w.company.ID, w.owner.Access, nil)))
		e.Must(204, callAPI(t, e, "DELETE", "/api/contractors/"+w.company.ID+"/documents/"+c.Documents[0].ID, w.owner.Access, nil))
		e.Must(201, callAPI(t, e, "POST", "/api/contractors/"+w.company.ID+"/documents", w.owner.Access,
			map[string]any{"type": "insurance", "number": "INS-OLD", "expiresOn": "2026-05-01"}))
		wantReasons(t, approve(p.ID), "APPROVAL_REFUSED", permit.ReasonContractorDocument)
		e.Must(201, callAPI(t, e, "POST", "/api/contractors/"+w.company.ID+"/documents", w.owner.Access,
			map[string]any{"type": "insurance", "number": "INS-NEW", "expiresOn": "2027-05-01"}))

		// Clash: hot work approved, then confined space entry at the same
		// station overlapping it is refused, and the other way round.
		e.Must(200, approve(p.ID))
		cse := w.request(t, w.sm, map[string]any{"type": "Confined Space Entry", "validFrom": w.at(2), "validTo": w.at(6)})
		w.ready(t, cse)
		wantReasons(t, approve(cse.ID), "APPROVAL_REFUSED", permit.ReasonClash)
		// At another station, or after the hot work, it is fine.
		later := w.request(t, w.sm, map[string]any{"type": "Tank Cleaning", "validFrom": w.at(10), "validTo": w.at(12)})
		w.ready(t, later)
		e.Must(200, approve(later.ID))

		// Reverse: the confined space entry approved first elsewhere in
		// time; hot work overlapping it is refused.
		e.Must(200, w.call(t, w.cm, "POST", p.ID+"/cancel", map[string]any{"reason": "Rescheduled"}))
		e.Must(200, approve(cse.ID))
		hot := w.request(t, w.sm, map[string]any{"validFrom": w.at(5), "validTo": w.at(8)})
		w.ready(t, hot)
		r := approve(hot.ID)
		wantReasons(t, r, "APPROVAL_REFUSED", permit.ReasonClash)
		if !strings.Contains(string(r.Body), cse.Number) {
			t.Errorf("the clash names the other permit: %s", r.Body)
		}
		// Several reasons at once: a requester approving their own clashing
		// permit with an unconfirmed precaution.
		e.Must(200, w.call(t, w.cm, "POST", hot.ID+"/cancel", nil))
		mine := w.request(t, w.owner, map[string]any{"validFrom": w.at(5), "validTo": w.at(8)})
		w.confirmAll(t, w.owner, mine)
		e.Must(200, w.call(t, w.owner, "PUT", mine.ID+"/precautions/fire_watch", map[string]any{"confirmed": false}))
		// The requester never tests the air for their own permit, whatever
		// their role.
		wantProblem(t, w.call(t, w.owner, "POST", mine.ID+"/gas-tests", map[string]any{"readings": map[string]float64{"O2": 20.9, "LEL": 0, "H2S": 0, "CO": 0},
			"tester": "Me"}), http.StatusForbidden, "SELF_GAS_TEST")
		w.gasTest(t, w.cm, mine.ID, 20.9, 0, "")
		e.Must(200, w.call(t, w.owner, "POST", mine.ID+"/submit", nil))
		wantReasons(t, w.call(t, w.owner, "POST", mine.ID+"/approve", nil), "APPROVAL_REFUSED",
			permit.ReasonSelfApproval, permit.ReasonPrecautionUnconfirmed, permit.ReasonClash)
	})
}

func TestPermitExtensionAndExpiry(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		w := newPermitWorld(t, engine)
		e := w.e
		job := e.App.PermitExpiry()
		if job == nil {
			t.Fatal("no permit expiry job with the default HSE_PERMIT_EXPIRY_INTERVAL")
		}
		p := w.request(t, w.sm, map[string]any{"type": "Work at Height", "validFrom": w.at(0), "validTo": w.at(10)})
		w.ready(t, p)
		e.Must(200, w.call(t, w.cm, "POST", p.ID+"/approve", nil))
		e.Must(200, w.call(t, w.sm, "POST", p.ID+"/activate", nil))

		// Extensions: approver only, not the requester, bounded.
		wantForbiddenNaming(t, w.call(t, w.sm, "POST", p.ID+"/extend", map[string]any{"validTo": w.at(12), "reason": "Rain"}), permit.PermApprove)
		wantField(t, w.call(t, w.cm, "POST", p.ID+"/extend", map[string]any{"validTo": w.at(12)}), "reason")
		wantField(t, w.call(t, w.cm, "POST", p.ID+"/extend", map[string]any{"validTo": w.at(9), "reason": "Shorter"}), "validTo")
		wantField(t, w.call(t, w.cm, "POST", p.ID+"/extend", map[string]any{"validTo": w.at(23), "reason": "Too long"}), "validTo") // 13 h more
		x := decodeJSON[permitItem](t, e.Must(200, w.call(t, w.cm, "POST", p.ID+"/extend", map[string]any{"validTo": w.at(20), "reason": "Rain delay"})))
		if !x.ValidTo.Equal(permitT0.Add(20*time.Hour)) || !x.OriginalValidTo.Equal(permitT0.Add(10*time.Hour)) || len(x.Extensions) != 1 ||
			!x.Extensions[0].OldValidTo.Equal(permitT0.Add(10*time.Hour)) || x.Extensions[0].Reason != "Rain delay" || x.Extensions[0].ExtendedBy != w.cm.UserID {
			t.Fatalf("extended: %+v", x)
		}
		// The total span of work at height is at most 24 h.
		wantField(t, w.call(t, w.cm, "POST", p.ID+"/extend", map[string]any{"validTo": w.at(25), "reason": "More rain"}), "validTo")
		evs, _ := e.App.DB.Outbox().Events(ctx, w.owner.OrgID, "work_permit", p.ID)
		if last := evs[len(evs)-1]; last.Type != "work_permit:extended" || last.Payload["reason"] != "Rain delay" {
			t.Errorf("extension event: %+v", last)
		}

		// Another permit, Approved only, ends sooner; a Draft never expires.
		q := w.request(t, w.sm, map[string]any{"type": "Electrical", "contractorId": nil, "validFrom": w.at(1), "validTo": w.at(3)})
		w.ready(t, q)
		e.Must(200, w.call(t, w.cm, "POST", q.ID+"/approve", nil))
		draft := w.request(t, w.sm, map[string]any{"type": "General", "validFrom": w.at(1), "validTo": w.at(2)})

		ran, done, err := job.RunSlot(ctx, w.clock.Now())
		if err != nil || !ran || len(done) != 0 {
			t.Fatalf("first run: %v %v %v", ran, done, err)
		}
		w.advance(t, 3*time.Hour)
		ran, done, err = job.RunSlot(ctx, w.clock.Now())
		if err != nil || !ran || len(done) != 1 || done[0].PermitID != q.ID || done[0].From != "Approved" {
			t.Fatalf("run at +3h: %v %+v %v", ran, done, err)
		}
		// The same slot again does nothing.
		if ran, _, err := job.RunSlot(ctx, w.clock.Now()); ran || err != nil {
			t.Errorf("a slot ran twice: %v %v", ran, err)
		}
		w.advance(t, 17*time.Hour)
		_, done, err = job.RunSlot(ctx, w.clock.Now())
		if err != nil || len(done) != 1 || done[0].PermitID != p.ID || done[0].From != "Active" {
			t.Fatalf("run at +20h: %+v %v", done, err)
		}
		for _, id := range []string{p.ID, q.ID} {
			got := decodeJSON[permitItem](t, e.Must(200, w.call(t, w.owner, "GET", id, nil)))
			if got.Status != "Expired" {
				t.Errorf("%s: %s, want Expired", got.Number, got.Status)
			}
		}
		if d := decodeJSON[permitItem](t, e.Must(200, w.call(t, w.owner, "GET", draft.ID, nil))); d.Status != "Draft" {
			t.Errorf("draft: %s", d.Status)
		}
		hist := listItems[permitEvent](t, e.Must(200, w.call(t, w.owner, "GET", p.ID+"/history", nil)))
		last := hist[len(hist)-1]
		if last.Kind != "status_changed" || last.FromStatus != "Active" || last.ToStatus != "Expired" || last.ActorID != "" || last.Note != permit.ExpiryReason {
			t.Errorf("expiry history: %+v", last)
		}
		if hist[len(hist)-2].Kind != "extended" {
			t.Errorf("extension history: %+v", hist[len(hist)-2])
		}
		log := string(e.Must(200, callAPI(t, e, "GET", "/api/audit-log?action=permit.expired&entityId="+p.ID, w.owner.Access, nil)).Body)
		if !strings.Contains(log, `"actorEmail":"system"`) || !strings.Contains(log, `"status":"Expired"`) {
			t.Errorf("expiry audit entry: %s", log)
		}
		evs, _ = e.App.DB.Outbox().Events(ctx, w.owner.OrgID, "work_permit", p.ID)
		tail := evs[len(evs)-2:]
		if tail[0].Type != "work_permit:status_changed" || tail[0].Payload["to"] != "Expired" || tail[0].Payload["reason"] != permit.ExpiryReason ||
			tail[1].Type != "work_permit:expired" || tail[1].ActorUserID != "" {
			t.Errorf("expiry events: %+v", tail)
		}
		// An expired permit is finished.
		wantProblem(t, w.call(t, w.sm, "POST", p.ID+"/close", map[string]any{"notes": "late"}), 409, "INVALID_TRANSITION")
		wantProblem(t, w.call(t, w.cm, "POST", p.ID+"/extend", map[string]any{"validTo": w.at(1), "reason": "late"}), 409, "PERMIT_NOT_EXTENDABLE")
	})
}

func TestPermitExpiryOff(t *testing.T) {
	e := apptest.New(t, "sqlite", apptest.WithEnv("HSE_PERMIT_EXPIRY_INTERVAL", "off"))
	if j := e.App.PermitExpiry(); j != nil {
		t.Fatalf("HSE_PERMIT_EXPIRY_INTERVAL=off: job %+v, want none", j)
	}
}

func TestPermitBoardScopeAndPermissions(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		w := newPermitWorld(t, engine)
		e := w.e
		auditor := e.Invite(w.owner, "sys-auditor", nil)
		rival := newContractor(t, e, w.owner, "Rival Ltd", nil)
		e.Must(201, callAPI(t, e, "POST", "/api/contractors/"+rival.ID+"/documents", w.owner.Access,
			map[string]any{"type": "insurance", "expiresOn": "2030-01-01"}))

		// Contractor staff request for their own company only, at any
		// station; they see their company's permits only.
		mine := w.request(t, w.con, map[string]any{"contractorId": nil, "type": "Electrical"})
		if mine.ContractorID != w.company.ID {
			t.Errorf("a contractor's permit is for their company: %+v", mine)
		}
		wantProblem(t, callAPI(t, e, "POST", "/api/permits", w.con.Access, map[string]any{"type": "General", "stationId": w.station.ID,
			"contractorId": rival.ID, "description": "x", "location": "y", "validFrom": w.at(1), "validTo": w.at(2)}), 404, "NOT_FOUND")
		theirs := w.request(t, w.owner, map[string]any{"contractorId": rival.ID, "type": "Excavation", "stationId": w.other.ID})
		wantProblem(t, w.call(t, w.con, "GET", theirs.ID, nil), 404, "NOT_FOUND")
		if got := listItems[permitItem](t, e.Must(200, callAPI(t, e, "GET", "/api/permits", w.con.Access, nil))); len(got) != 1 || got[0].ID != mine.ID {
			t.Errorf("the contractor lists %+v", got)
		}
		// Station managers: their stations only.
		wantProblem(t, w.call(t, w.sm, "GET", theirs.ID, nil), 404, "NOT_FOUND")
		wantProblem(t, callAPI(t, e, "POST", "/api/permits", w.sm.Access, map[string]any{"type": "General", "stationId": w.other.ID,
			"description": "x", "location": "y", "validFrom": w.at(1), "validTo": w.at(2)}), 404, "NOT_FOUND")
		wantProblem(t, w.call(t, w.sm, "GET", "active?station="+w.other.ID, nil), 404, "NOT_FOUND")
		// Unknown contractor: not found.
		wantProblem(t, callAPI(t, e, "POST", "/api/permits", w.owner.Access, map[string]any{"type": "General", "stationId": w.station.ID,
			"contractorId": "nope", "description": "x", "location": "y", "validFrom": w.at(1), "validTo": w.at(2)}), 404, "NOT_FOUND")
		// Read-only roles.
		for _, u := range []*apptest.User{w.viewer, auditor} {
			e.Must(200, w.call(t, u, "GET", mine.ID, nil))
			wantForbiddenNaming(t, callAPI(t, e, "POST", "/api/permits", u.Access, map[string]any{"type": "General", "stationId": w.station.ID,
				"description": "x", "location": "y", "validFrom": w.at(1), "validTo": w.at(2)}), permit.PermRequest)
			wantForbiddenNaming(t, w.call(t, u, "PUT", mine.ID+"/precautions/lockout_tagout", nil), permit.PermRequest)
			wantForbiddenNaming(t, w.call(t, u, "POST", mine.ID+"/submit", nil), permit.PermRequest)
		}
		// The compliance manager approves but does not request.
		wantForbiddenNaming(t, callAPI(t, e, "POST", "/api/permits", w.cm.Access, map[string]any{"type": "General", "stationId": w.station.ID,
			"description": "x", "location": "y", "validFrom": w.at(1), "validTo": w.at(2)}), permit.PermRequest)
		wantForbiddenNaming(t, w.call(t, w.sm, "POST", mine.ID+"/approve", nil), permit.PermApprove)

		// The board: Approved and Active permits valid now at the station.
		wantField(t, w.call(t, w.owner, "GET", "active", nil), "station")
		wantProblem(t, w.call(t, w.owner, "GET", "active?station=nope", nil), 404, "NOT_FOUND")
		now := w.request(t, w.sm, map[string]any{"type": "Electrical", "contractorId": nil, "validFrom": w.at(0), "validTo": w.at(4)})
		soon := w.request(t, w.sm, map[string]any{"type": "General", "validFrom": w.at(2), "validTo": w.at(4)})
		for _, p := range []permitItem{now, soon} {
			w.ready(t, p)
			e.Must(200, w.call(t, w.cm, "POST", p.ID+"/approve", nil))
		}
		board := func(u *apptest.User) string {
			var out []string
			for _, p := range listItems[permitItem](t, e.Must(200, w.call(t, u, "GET", "active?station="+w.station.ID, nil))) {
				out = append(out, p.Number)
			}
			return strings.Join(out, ",")
		}
		if got := board(w.sm); got != now.Number {
			t.Errorf("board now: %q, want %s", got, now.Number)
		}
		w.advance(t, 2*time.Hour)
		e.Must(200, w.call(t, w.sm, "POST", now.ID+"/activate", nil))
		if got := board(w.viewer); got != now.Number+","+soon.Number {
			t.Errorf("board at +2h: %q", got)
		}
		if got := board(w.con); got != soon.Number { // the in-house permit is not theirs
			t.Errorf("the contractor's board: %q, want only their company's %s", got, soon.Number)
		}

		// The list: filters, sort, pages and CSV.
		list := func(q string) string {
			var out []string
			for _, p := range listItems[permitItem](t, e.Must(200, callAPI(t, e, "GET", "/api/permits?"+q, w.owner.Access, nil))) {
				out = append(out, p.Number)
			}
			return strings.Join(out, ",")
		}
		for q, want := range map[string]string{
			"status=Active":                                   now.Number,
			"type=Excavation":                                 theirs.Number,
			"stationId=" + w.other.ID:                         theirs.Number,
			"contractorId=" + rival.ID:                        theirs.Number,
			"sort=number&limit=2":                             mine.Number + "," + theirs.Number,
			"from=" + w.at(1.5) + "&sort=number&type=General": soon.Number,
			"q=canopy&sort=-number&limit=1":                   soon.Number,
		} {
			if got := list(q); got != want {
				t.Errorf("%s: %q, want %q", q, got, want)
			}
		}
		wantField(t, callAPI(t, e, "GET", "/api/permits?from=yesterday", w.owner.Access, nil), "from")
		page := decodeJSON[struct {
			Items      []permitItem
			NextCursor string
		}](t, e.Must(200, callAPI(t, e, "GET", "/api/permits?sort=number&limit=2", w.owner.Access, nil)))
		rest := listItems[permitItem](t, e.Must(200, callAPI(t, e, "GET", "/api/permits?sort=number&limit=2&cursor="+page.NextCursor, w.owner.Access, nil)))
		if page.NextCursor == "" || len(rest) != 2 || rest[0].Number != now.Number {
			t.Errorf("second page: %+v", rest)
		}
		r := e.Must(200, callAPI(t, e, "GET", "/api/permits?format=csv&sort=number", w.viewer.Access, nil))
		lines := strings.Split(strings.TrimSpace(string(r.Body)), "\n")
		if len(lines) != 5 || !strings.HasPrefix(lines[0], "number,type,status,stationId") || !strings.HasPrefix(lines[1], mine.Number+",Electrical Isolation,Draft") {
			t.Errorf("csv:\n%s", r.Body)
		}
	})
}
