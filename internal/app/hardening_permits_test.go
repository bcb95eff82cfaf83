package app_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/permit"
)

// setContractorStatus changes the world's company's status, whatever its
// version.
func (w *permitWorld) setContractorStatus(t *testing.T, status string) {
	t.Helper()
	c := decodeJSON[contractorItem](t, w.e.Must(200, callAPI(t, w.e, "GET", "/api/contractors/"+w.company.ID, w.owner.Access, nil)))
	w.e.Must(200, callAPI(t, w.e, "PATCH", "/api/contractors/"+w.company.ID, w.owner.Access, map[string]any{"status": status, "version": c.Version}))
}

// replaceInsurance deletes the company's documents and, when expiresOn is
// set, records an insurance valid through that day.
func (w *permitWorld) replaceInsurance(t *testing.T, expiresOn string) {
	t.Helper()
	c := decodeJSON[contractorItem](t, w.e.Must(200, callAPI(t, w.e, "GET", "/api/contractors/"+w.company.ID, w.owner.Access, nil)))
	for _, d := range c.Documents {
		w.e.Must(204, callAPI(t, w.e, "DELETE", "/api/contractors/"+w.company.ID+"/documents/"+d.ID, w.owner.Access, nil))
	}
	if expiresOn != "" {
		w.e.Must(201, callAPI(t, w.e, "POST", "/api/contractors/"+w.company.ID+"/documents", w.owner.Access,
			map[string]any{"type": "insurance", "number": "INS-" + expiresOn, "expiresOn": expiresOn}))
	}
}

// approved requests a permit, readies and approves it.
func (w *permitWorld) approved(t *testing.T, body map[string]any) permitItem {
	t.Helper()
	p := w.request(t, w.sm, body)
	w.ready(t, p)
	w.e.Must(200, w.call(t, w.cm, "POST", p.ID+"/approve", nil))
	return p
}

// A contractor suspended after the approval, or whose insurance no longer
// covers the work, cannot start it: activation re-checks the company as
// approval does, with the same reason codes.
func TestPermitActivationRechecksContractor(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		w := newPermitWorld(t, engine)
		suspended := w.approved(t, nil)
		uninsured := w.approved(t, map[string]any{"location": "Tank farm"})
		w.setContractorStatus(t, "Suspended")
		w.advance(t, time.Hour+time.Minute) // the windows open
		// Before: 200, and suspended contractors started work.
		wantReasons(t, w.call(t, w.sm, "POST", suspended.ID+"/activate", nil), "ACTIVATION_REFUSED", permit.ReasonContractorNotActive)
		w.setContractorStatus(t, "Active")
		w.replaceInsurance(t, "")
		wantReasons(t, w.call(t, w.owner, "POST", uninsured.ID+"/activate", nil), "ACTIVATION_REFUSED", permit.ReasonContractorDocument)
		// Both reasons at once.
		w.setContractorStatus(t, "Suspended")
		wantReasons(t, w.call(t, w.sm, "POST", suspended.ID+"/activate", nil), "ACTIVATION_REFUSED",
			permit.ReasonContractorNotActive, permit.ReasonContractorDocument)
		// Eligible again: the work starts.
		w.setContractorStatus(t, "Active")
		w.replaceInsurance(t, "2030-01-01")
		got := decodeJSON[permitItem](t, w.e.Must(200, w.call(t, w.sm, "POST", suspended.ID+"/activate", nil)))
		if got.Status != "Active" {
			t.Errorf("activated: %+v", got)
		}
		// In-house work has no contractor to check.
		inHouse := w.approved(t, map[string]any{"type": "General", "contractorId": nil, "validFrom": w.at(0.1), "validTo": w.at(4)})
		w.setContractorStatus(t, "Suspended")
		w.advance(t, 10*time.Minute)
		w.e.Must(200, w.call(t, w.sm, "POST", inHouse.ID+"/activate", nil))
	})
}

// Every extension re-checks the contractor through the new valid-to day:
// insurance that ends before it, or a suspension, refuses the extension
// with the same reasons as an approval, all of them at once.
func TestPermitExtensionRechecksContractor(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		w := newPermitWorld(t, engine)
		// Insured through today only (the permit ends today at 17:00).
		w.replaceInsurance(t, permitT0.Format(time.DateOnly))
		p := w.approved(t, nil)
		w.advance(t, time.Hour+time.Minute)
		w.e.Must(200, w.call(t, w.sm, "POST", p.ID+"/activate", nil))
		tonight := w.at(12)    // still today
		tomorrow := w.at(15.5) // past midnight
		extend := func(u *apptest.User, validTo string) *apptest.Response {
			return w.call(t, u, "POST", p.ID+"/extend", map[string]any{"validTo": validTo, "reason": "Rain delay"})
		}
		// Before: 200, though the insurance ends at midnight.
		wantReasons(t, extend(w.cm, tomorrow), "EXTENSION_REFUSED", permit.ReasonContractorDocument)
		w.setContractorStatus(t, "Suspended")
		wantReasons(t, extend(w.cm, tonight), "EXTENSION_REFUSED", permit.ReasonContractorNotActive)
		// The requester asking, for a suspended company: every reason.
		w.e.Must(200, callAPI(t, w.e, "PATCH", "/api/members/"+w.sm.UserID, w.owner.Access,
			map[string]any{"roleId": "sys-admin"}))
		w.e.Login(w.sm)
		wantReasons(t, extend(w.sm, tomorrow), "EXTENSION_REFUSED",
			permit.ReasonSelfApproval, permit.ReasonContractorNotActive, permit.ReasonContractorDocument)
		w.setContractorStatus(t, "Active")
		x := decodeJSON[permitItem](t, w.e.Must(200, extend(w.cm, tonight)))
		if !x.ValidTo.Equal(permitT0.Add(time.Hour + time.Minute + 12*time.Hour)) {
			t.Errorf("extended to %s", x.ValidTo)
		}
	})
}

// Two permits of the same type at the same place and overlapping times
// clash, whatever the clash matrix says about their type; the same type
// elsewhere at the station, or later, does not. Locations compare without
// case, punctuation or spacing.
func TestPermitSameTypeSamePlaceClashes(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		w := newPermitWorld(t, engine)
		first := w.approved(t, map[string]any{"location": "Canopy, pump island 2"})
		twin := w.request(t, w.sm, map[string]any{"location": "canopy – Pump Island 2", "validFrom": w.at(3), "validTo": w.at(6)})
		w.ready(t, twin)
		// Before: 200, two hot-work crews at one pump island.
		r := w.call(t, w.cm, "POST", twin.ID+"/approve", nil)
		wantReasons(t, r, "APPROVAL_REFUSED", permit.ReasonClash)
		if reasons := decodeJSON[struct {
			Details struct{ Reasons []permit.Reason }
		}](t, r).Details.Reasons; reasons[0].Ref != first.Number {
			t.Errorf("the clash names %q, want %s", reasons[0].Ref, first.Number)
		}
		// The same type elsewhere at the station, or after the first, is fine.
		w.approved(t, map[string]any{"location": "Tank farm", "validFrom": w.at(3), "validTo": w.at(6)})
		w.approved(t, map[string]any{"location": "Canopy, pump island 2", "validFrom": w.at(9), "validTo": w.at(12)})
		// Another type at the same place that the matrix allows is fine too.
		w.approved(t, map[string]any{"type": "Electrical", "contractorId": nil, "location": "Canopy, pump island 2",
			"validFrom": w.at(3), "validTo": w.at(6)})
		// Once the first is cancelled, nothing stands in the twin's way.
		w.e.Must(200, w.call(t, w.cm, "POST", first.ID+"/cancel", map[string]any{"reason": "Moved"}))
		w.e.Must(200, w.call(t, w.cm, "POST", twin.ID+"/approve", nil))
		// And the twin now refuses a third crew there, spelt another way.
		third := w.request(t, w.sm, map[string]any{"location": "CANOPY pump island 2", "validFrom": w.at(5), "validTo": w.at(8)})
		w.ready(t, third)
		wantReasons(t, w.call(t, w.cm, "POST", third.ID+"/approve", nil), "APPROVAL_REFUSED", permit.ReasonClash)
	})
}

// A caller who may not make a permit's move is refused before its version
// and state are looked at: 403, not the 412 of a stale If-Match.
func TestPermitMovesCheckPermissionBeforeVersion(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		w := newPermitWorld(t, engine)
		p := w.request(t, w.sm, nil)
		w.ready(t, p) // version 5 now
		for _, c := range []struct {
			who  *apptest.User
			move string
			perm hse.Permission
		}{{w.viewer, "approve", permit.PermApprove}, {w.sm, "reject", permit.PermApprove}, {w.con, "activate", permit.PermActivate}} {
			r := doAPI(t, w.e, apptest.Request{Method: "POST", Path: "/api/permits/" + p.ID + "/" + c.move, Token: c.who.Access,
				Body: map[string]any{"reason": "x"}, Header: map[string]string{"If-Match": `"1"`}})
			wantForbiddenNaming(t, r, c.perm)
		}
		wantProblem(t, doAPI(t, w.e, apptest.Request{Method: "POST", Path: "/api/permits/" + p.ID + "/approve", Token: w.cm.Access,
			Header: map[string]string{"If-Match": `"1"`}}), http.StatusPreconditionFailed, "STALE_VERSION")
	})
}
