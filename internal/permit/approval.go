package permit

import (
	"fmt"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Reason codes of a refused approval or activation. Each problem found is
// one reason; all of them are reported together.
const (
	ReasonPrecautionUnconfirmed = "PRECAUTION_UNCONFIRMED"
	ReasonGasTestMissing        = "GAS_TEST_MISSING"
	ReasonGasTestFailed         = "GAS_TEST_FAILED"
	ReasonGasTestStale          = "GAS_TEST_STALE"
	ReasonContractorNotActive   = "CONTRACTOR_NOT_ACTIVE"
	ReasonContractorDocument    = "CONTRACTOR_DOCUMENT_INVALID"
	ReasonClash                 = "PERMIT_CLASH"
	ReasonSelfApproval          = "SELF_APPROVAL"
	ReasonValidityPassed        = "VALIDITY_PASSED"
	ReasonNotYetValid           = "NOT_YET_VALID"
)

// Reason is one problem that refuses an approval or an activation: a
// stable code for clients and a sentence for people. Ref names what it is
// about (a precaution key, a clashing permit's number) when there is one.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Ref     string `json:"ref,omitempty"`
}

// Refusal is the error of a refused approval or activation: a Conflict
// with code (APPROVAL_REFUSED or ACTIVATION_REFUSED), every reason in the
// message and, machine-readable, in details.reasons.
func Refusal(code, what string, reasons []Reason) error {
	msgs := make([]string, len(reasons))
	for i, r := range reasons {
		msgs[i] = r.Message
	}
	e := hse.Conflict(code, "the permit cannot be %s: %s", what, strings.Join(msgs, "; "))
	e.Details = map[string]any{"reasons": reasons}
	return e
}

// WorkCheck is what the approval and activation rules look at.
type WorkCheck struct {
	Details *Details
	// Clashing are the Approved, Active or Suspended permits of the
	// station that overlap this one in time (the store's FindOverlapping),
	// each with the rules of its own type's version.
	Clashing []Neighbour
	At       time.Time
}

// Neighbour is another permit at the station and the rules it is under.
type Neighbour struct {
	Permit Permit
	Rule   TypeRule
}

// precautionProblems lists the mandatory precautions not confirmed.
func precautionProblems(r TypeRule, ps []Precaution) []Reason {
	confirmed := map[string]bool{}
	for _, p := range ps {
		if p.Confirmed {
			confirmed[p.Key] = true
		}
	}
	var out []Reason
	for _, def := range r.Precautions {
		if !confirmed[def.Key] {
			out = append(out, Reason{Code: ReasonPrecautionUnconfirmed, Ref: def.Key,
				Message: fmt.Sprintf("precaution %q (%s) is not confirmed", def.Key, def.Label)})
		}
	}
	return out
}

// gasProblems checks the latest gas test of a type that needs one.
func gasProblems(r TypeRule, d *Details, at time.Time) []Reason {
	if !r.GasTestRequired() {
		return nil
	}
	g := d.LatestGasTest()
	if g == nil {
		return []Reason{{Code: ReasonGasTestMissing, Message: r.Type + " needs a gas test"}}
	}
	var out []Reason
	if f := EvaluateGas(r.Gases, g.Readings); len(f) > 0 {
		out = append(out, Reason{Code: ReasonGasTestFailed, Ref: g.ID, Message: "the latest gas test failed: " + strings.Join(f, ", ")})
	}
	if !GasTestFresh(r, g.TestedAt, at) {
		out = append(out, Reason{Code: ReasonGasTestStale, Ref: g.ID,
			Message: fmt.Sprintf("the latest gas test, taken %s, is older than %s", g.TestedAt.UTC().Format(time.RFC3339), Hours(r.GasTestValidity))})
	}
	return out
}

// clashProblems lists the overlapping permits at the station whose work is
// unsafe with this one: a type the clash matrix pairs with it anywhere at
// the station (sparks near a confined space or an open tank), or the same
// type of work at the same place (two hot-work crews at one pump island).
func clashProblems(p *Permit, r TypeRule, others []Neighbour) []Reason {
	var out []Reason
	for _, n := range others {
		o := n.Permit
		if o.ID == p.ID || o.StationID != p.StationID || !Overlap(p.ValidFrom, p.ValidTo, o.ValidFrom, o.ValidTo) {
			continue
		}
		var why string
		switch {
		case clashes(r, n.Rule):
			why = fmt.Sprintf("%s clashes with %s permit %s (%s) at the same station", p.Type, o.Type, o.Number, o.Status)
		case p.TypeKey == o.TypeKey && SamePlace(p.Location, o.Location):
			why = fmt.Sprintf("%s permit %s (%s) covers the same work at the same place (%q)", o.Type, o.Number, o.Status, o.Location)
		default:
			continue
		}
		out = append(out, Reason{Code: ReasonClash, Ref: o.Number,
			Message: fmt.Sprintf("%s, %s to %s", why, o.ValidFrom.UTC().Format(time.RFC3339), o.ValidTo.UTC().Format(time.RFC3339))})
	}
	return out
}

// ApprovalProblems applies the approval rules other than the contractor's
// eligibility (which needs the store): every precaution confirmed, a passed
// gas test no older than its validity for the types that need one, no
// unsafe clash, validity not over, and an approver other than the
// requester.
func ApprovalProblems(c WorkCheck, approverID string) []Reason {
	p, r := c.Details.Permit, c.Details.Rule
	var out []Reason
	if approverID == p.RequestedBy {
		out = append(out, Reason{Code: ReasonSelfApproval, Message: "a permit is approved by someone other than its requester"})
	}
	if !c.At.Before(p.ValidTo) {
		out = append(out, Reason{Code: ReasonValidityPassed, Message: "the permit's validity has already ended"})
	}
	out = append(out, precautionProblems(r, c.Details.Precautions)...)
	out = append(out, gasProblems(r, c.Details, c.At)...)
	return append(out, clashProblems(p, r, c.Clashing)...)
}

// ActivationProblems re-checks at the start of the work what may have
// changed since approval: inside the validity window, gas test still
// passed and fresh, and no clash.
func ActivationProblems(c WorkCheck) []Reason {
	p, r := c.Details.Permit, c.Details.Rule
	var out []Reason
	if c.At.Before(p.ValidFrom) {
		out = append(out, Reason{Code: ReasonNotYetValid, Message: "the permit is valid from " + p.ValidFrom.UTC().Format(time.RFC3339)})
	}
	if !c.At.Before(p.ValidTo) {
		out = append(out, Reason{Code: ReasonValidityPassed, Message: "the permit's validity has already ended"})
	}
	out = append(out, gasProblems(r, c.Details, c.At)...)
	if r.GasTestRequired() && r.RetestInterval > 0 {
		if g := c.Details.LatestGasTest(); g != nil && GasTestFresh(r, g.TestedAt, c.At) && !c.At.Before(g.TestedAt.Add(r.RetestInterval)) {
			out = append(out, Reason{Code: ReasonGasTestStale, Ref: g.ID, Message: fmt.Sprintf(
				"the latest gas test, taken %s, is older than the re-test interval of %s: test again before the work starts",
				g.TestedAt.UTC().Format(time.RFC3339), Hours(r.RetestInterval))})
		}
	}
	return append(out, clashProblems(p, r, c.Clashing)...)
}

// ContractorReasons turns a contractor.CheckEligible refusal into reasons:
// the company's status first (when not Active), then each document
// problem.
func ContractorReasons(err error, active bool) []Reason {
	e, ok := err.(*hse.Error)
	if !ok || e.Code != "CONTRACTOR_NOT_ELIGIBLE" {
		return nil
	}
	problems, _ := e.Details["problems"].([]string)
	var out []Reason
	for i, pr := range problems {
		code := ReasonContractorDocument
		if i == 0 && !active {
			code = ReasonContractorNotActive
		}
		out = append(out, Reason{Code: code, Message: pr, Ref: fmt.Sprint(e.Details["contractorId"])})
	}
	return out
}
