package permit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/contractor"
	"github.com/hsedigital/hse/internal/hse"
)

// Transition performs a lifecycle move on a permit whose current version
// is version (0: whatever is current), with its note: the rejection
// reason, the close-out notes or the cancellation reason. Approval and
// activation apply their rules inside the same transaction as the change,
// and refuse with every problem found.
func (s *Service) Transition(ctx context.Context, pr *hse.Principal, id string, version int64, m Move, note string) (*Details, error) {
	if err := pr.Require(PermRead); err != nil {
		return nil, err
	}
	// Who may make the move is decided before the permit is read, so a
	// caller who may not learns nothing of its version or state.
	if err := MayMove(m, Actor{UserID: pr.UserID, Permissions: pr.Permissions}); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if len(note) > 5000 {
		return nil, hse.Invalid("the note is too long", hse.FieldError{Field: noteField(m), Message: "at most 5,000 characters"})
	}
	var d *Details
	err := s.Store.InTx(ctx, hse.ScopeOf(pr, false), func(tx Tx) error {
		p, err := find(ctx, tx, pr, id)
		if err != nil {
			return err
		}
		if version != 0 && p.Version != version {
			return hse.StaleVersion("permit", p.Version)
		}
		if err := Check(p, m, Actor{UserID: pr.UserID, Permissions: pr.Permissions}, note); err != nil {
			return err
		}
		now := s.now()
		if d, err = details(ctx, tx, pr.OrgID, p); err != nil {
			return err
		}
		switch m {
		case MoveApprove:
			if err := s.checkApproval(ctx, tx, pr, d, now); err != nil {
				return err
			}
		case MoveActivate:
			if err := checkActivation(ctx, tx, pr.OrgID, d, now); err != nil {
				return err
			}
		case MoveResume:
			if err := checkResume(d, now); err != nil {
				return err
			}
		case MoveClose:
			if err := checkIsolationsRemoved(d); err != nil {
				return err
			}
		}
		before := Snapshot(p)
		from, next := p.Status, *p
		next.Status = Target(p.Status, m)
		switch m {
		case MoveApprove:
			next.ApprovedBy, next.ApprovedAt, next.OriginalValidTo = pr.UserID, &now, p.ValidTo
		case MoveActivate:
			next.ActivatedBy, next.ActivatedAt = pr.UserID, &now
			next.RetestDueAt = retestDue(d)
		case MoveResume:
			next.SuspendedAt, next.SuspensionReason = nil, ""
			next.RetestDueAt = retestDue(d)
		case MoveSuspend:
			next.SuspendedAt, next.SuspensionReason, next.RetestDueAt = &now, note, nil
		case MoveClose:
			next.ClosedBy, next.ClosedAt, next.CloseNotes, next.RetestDueAt = pr.UserID, &now, note, nil
		case MoveReject, MoveCancel:
			next.Reason = note
		}
		if err := bump(ctx, tx, pr.OrgID, &next, now, event(pr, p, now, EventStatusChanged, from, next.Status, note)); err != nil {
			return err
		}
		if err := tx.AppendAudit(ctx, audit(ctx, pr, now, "permit."+string(m), p.ID, before, Snapshot(&next))); err != nil {
			return err
		}
		d.Permit = &next
		if m == MoveSuspend {
			return emitSuspended(ctx, tx, pr, pr.OrgID, &next, from, now)
		}
		extra := map[string]any{"type": next.Type, "stationId": next.StationID}
		if note != "" {
			extra["reason"] = note
		}
		return tx.Emit(ctx, hse.NewEvent(pr, pr.OrgID, now, EventTypeStatusChanged, EventEntityType, p.ID,
			hse.StatusChange(p.Number, from, next.Status, extra)))
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// retestDue is when the next gas test of Active work is due: the latest
// test's time plus the type's re-test interval (nil when the type has
// none).
func retestDue(d *Details) *time.Time {
	g := d.LatestGasTest()
	if !d.Rule.GasTestRequired() || d.Rule.RetestInterval <= 0 || g == nil {
		return nil
	}
	due := g.TestedAt.Add(d.Rule.RetestInterval)
	return &due
}

// checkResume lets Suspended work restart only inside its validity and,
// when its type tests the air, after a passing test taken since the
// suspension that is not yet due again.
func checkResume(d *Details, now time.Time) error {
	p, r := d.Permit, d.Rule
	var reasons []Reason
	if !now.Before(p.ValidTo) {
		reasons = append(reasons, Reason{Code: ReasonValidityPassed, Message: "the permit's validity has already ended"})
	}
	if r.GasTestRequired() {
		g := d.LatestGasTest()
		switch {
		case g == nil || p.SuspendedAt != nil && g.TestedAt.Before(*p.SuspendedAt):
			reasons = append(reasons, Reason{Code: ReasonGasTestMissing, Message: "suspended work resumes after a gas test taken since the suspension"})
		case !g.Passed:
			reasons = append(reasons, Reason{Code: ReasonGasTestFailed, Ref: g.ID, Message: "the latest gas test failed: " + strings.Join(g.Failures, ", ")})
		case !GasTestFresh(r, g.TestedAt, now) || r.RetestInterval > 0 && !now.Before(g.TestedAt.Add(r.RetestInterval)):
			reasons = append(reasons, Reason{Code: ReasonGasTestStale, Ref: g.ID, Message: "the latest gas test is due again: test before the work resumes"})
		}
	}
	if len(reasons) > 0 {
		return Refusal("RESUME_REFUSED", "resumed", reasons)
	}
	return nil
}

// checkIsolationsRemoved refuses to close a permit while one of its
// isolations is still applied: the plant must be handed back first.
func checkIsolationsRemoved(d *Details) error {
	var points []string
	var ids []string
	for _, i := range d.Isolations {
		if i.Applied() {
			points, ids = append(points, i.Point), append(ids, i.ID)
		}
	}
	if len(points) == 0 {
		return nil
	}
	e := hse.Conflict("ISOLATIONS_APPLIED", "the permit cannot be closed while isolations are applied: %s", strings.Join(points, "; "))
	e.Details = map[string]any{"isolationIds": ids}
	return e
}

func noteField(m Move) string {
	switch m {
	case MoveClose:
		return "notes"
	}
	return "reason"
}

// checkApproval gathers every approval problem: the pure rules, and the
// contractor's eligibility through the permit's valid-to day.
func (s *Service) checkApproval(ctx context.Context, tx Tx, pr *hse.Principal, d *Details, now time.Time) error {
	p := d.Permit
	clashing, err := neighbours(ctx, tx, pr.OrgID, p, p.ValidTo)
	if err != nil {
		return err
	}
	reasons := ApprovalProblems(WorkCheck{Details: d, Clashing: clashing, At: now}, pr.UserID)
	cr, err := contractorProblems(ctx, tx, pr.OrgID, p, d.Rule, p.ValidTo, now)
	if err != nil {
		return err
	}
	if reasons = append(reasons, cr...); len(reasons) > 0 {
		return Refusal("APPROVAL_REFUSED", "approved", reasons)
	}
	return nil
}

// contractorProblems checks the permit's contractor, when it has one, as
// approval does: Active, and holding a valid document of each type the
// permit's type requires through the day of until (the valid-to the work
// will run to). A company suspended, or whose insurance lapsed, after the
// approval is refused again at activation and at every extension.
func contractorProblems(ctx context.Context, tx Tx, orgID string, p *Permit, r TypeRule, until, now time.Time) ([]Reason, error) {
	if p.ContractorID == "" {
		return nil, nil
	}
	if until.Before(now) {
		until = now
	}
	err := contractor.CheckEligibleIn(ctx, tx, orgID, p.ContractorID, r.Documents, until)
	var de *hse.Error
	if !errors.As(err, &de) || de.Code != "CONTRACTOR_NOT_ELIGIBLE" {
		return nil, err
	}
	c, err := tx.FindContractor(ctx, orgID, p.ContractorID, now)
	if err != nil {
		return nil, err
	}
	return ContractorReasons(de, c.Status == contractor.StatusActive), nil
}

// checkActivation re-checks, when the work starts, what may have changed
// since approval: the window, the gas test, clashes and the contractor.
func checkActivation(ctx context.Context, tx Tx, orgID string, d *Details, now time.Time) error {
	p := d.Permit
	clashing, err := neighbours(ctx, tx, orgID, p, p.ValidTo)
	if err != nil {
		return err
	}
	reasons := ActivationProblems(WorkCheck{Details: d, Clashing: clashing, At: now})
	cr, err := contractorProblems(ctx, tx, orgID, p, d.Rule, p.ValidTo, now)
	if err != nil {
		return err
	}
	if reasons = append(reasons, cr...); len(reasons) > 0 {
		return Refusal("ACTIVATION_REFUSED", "activated", reasons)
	}
	return nil
}

// neighbours loads the permits of p's station whose validity overlaps
// p's from its valid-from to until, with the rules each is under.
func neighbours(ctx context.Context, tx Tx, orgID string, p *Permit, until time.Time) ([]Neighbour, error) {
	ps, err := tx.FindOverlapping(ctx, orgID, p.StationID, p.ValidFrom, until, p.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Neighbour, 0, len(ps))
	for _, o := range ps {
		r, err := tx.FindTypeVersion(ctx, orgID, o.TypeKey, o.TypeVersion)
		if err != nil {
			return nil, err
		}
		out = append(out, Neighbour{Permit: o, Rule: *r})
	}
	return out, nil
}

// mayWork reports whether the caller takes part in the work's
// preparation: requesters, station activators and approvers confirm
// precautions and record gas tests.
func mayWork(pr *hse.Principal) error {
	if pr.Can(PermRequest) || pr.Can(PermActivate) || pr.Can(PermApprove) {
		return nil
	}
	return pr.Require(PermRequest)
}

// ConfirmPrecaution confirms (or, confirmed false, withdraws) one
// mandatory precaution of a permit before approval.
func (s *Service) ConfirmPrecaution(ctx context.Context, pr *hse.Principal, id string, version int64, key string, confirmed bool, note string) (*Details, error) {
	if err := mayWork(pr); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if len(note) > 1000 {
		return nil, hse.Invalid("the note is too long", hse.FieldError{Field: "note", Message: "at most 1,000 characters"})
	}
	var d *Details
	err := s.Store.InTx(ctx, hse.ScopeOf(pr, false), func(tx Tx) error {
		p, err := find(ctx, tx, pr, id)
		if err != nil {
			return err
		}
		if version != 0 && p.Version != version {
			return hse.StaleVersion("permit", p.Version)
		}
		if p.Status != StatusDraft && p.Status != StatusPendingApproval {
			return hse.Conflict("PERMIT_NOT_OPEN", "precautions are confirmed before approval; the permit is %s", p.Status)
		}
		r, err := tx.FindTypeVersion(ctx, pr.OrgID, p.TypeKey, p.TypeVersion)
		if err != nil {
			return err
		}
		var def *PrecautionDef
		var keys []string
		for i := range r.Precautions {
			keys = append(keys, r.Precautions[i].Key)
			if r.Precautions[i].Key == key {
				def = &r.Precautions[i]
			}
		}
		if def == nil {
			return hse.Invalid("no such precaution for this type of permit", hse.FieldError{Field: "key", Message: "one of " + strings.Join(keys, ", ")})
		}
		now := s.now()
		pc := &Precaution{Key: key, Label: def.Label, Confirmed: confirmed, Note: note}
		kind := EventPrecautionCleared
		if confirmed {
			pc.ConfirmedBy, pc.ConfirmedAt, kind = pr.UserID, &now, EventPrecautionConfirmed
		}
		if err := tx.SetPrecaution(ctx, pr.OrgID, p.ID, pc); err != nil {
			return err
		}
		before := Snapshot(p)
		if err := bump(ctx, tx, pr.OrgID, p, now, event(pr, p, now, kind, "", "", key)); err != nil {
			return err
		}
		after := Snapshot(p)
		after["precaution"], after["confirmed"] = key, confirmed
		if err := tx.AppendAudit(ctx, audit(ctx, pr, now, "permit."+kind, p.ID, before, after)); err != nil {
			return err
		}
		d, err = details(ctx, tx, pr.OrgID, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Extend moves the valid-to of an Approved or Active permit later, keeping
// the extension against the original. It needs permits:approve and an
// approver other than the requester, as approval does. One extension adds
// at most the type's maximum duration, and the whole span from validFrom
// stays within the type's MaxTotal; the longer window must not clash with
// another permit at the station, and the contractor must still be eligible
// through the new valid-to day. Every refusal reason comes at once.
func (s *Service) Extend(ctx context.Context, pr *hse.Principal, id string, version int64, newValidTo time.Time, reason string) (*Details, error) {
	if err := pr.Require(PermApprove); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if n := len([]rune(reason)); n < 1 || n > 2000 {
		return nil, hse.Invalid("an extension needs the reason", hse.FieldError{Field: "reason", Message: "required, at most 2,000 characters"})
	}
	newValidTo = newValidTo.UTC().Truncate(time.Second)
	var d *Details
	err := s.Store.InTx(ctx, hse.ScopeOf(pr, false), func(tx Tx) error {
		p, err := find(ctx, tx, pr, id)
		if err != nil {
			return err
		}
		if version != 0 && p.Version != version {
			return hse.StaleVersion("permit", p.Version)
		}
		if p.Status != StatusApproved && p.Status != StatusActive && p.Status != StatusSuspended {
			return hse.Conflict("PERMIT_NOT_EXTENDABLE", "only an Approved, Active or Suspended permit is extended; it is %s", p.Status)
		}
		now := s.now()
		if !now.Before(p.ValidTo) {
			return hse.Conflict("PERMIT_EXPIRED", "the permit's validity ended at %s; request a new permit", p.ValidTo.Format(time.RFC3339))
		}
		r, err := tx.FindTypeVersion(ctx, pr.OrgID, p.TypeKey, p.TypeVersion)
		if err != nil {
			return err
		}
		done, err := tx.FindExtensions(ctx, pr.OrgID, p.ID)
		if err != nil {
			return err
		}
		if len(done) >= r.MaxExtensions {
			return hse.Conflict("EXTENSION_LIMIT", "a %s permit is extended at most %d times; request a new permit", p.Type, r.MaxExtensions)
		}
		switch {
		case !newValidTo.After(p.ValidTo):
			return hse.Invalid("an extension moves validTo later", hse.FieldError{Field: "validTo", Message: "must be after " + p.ValidTo.Format(time.RFC3339)})
		case newValidTo.Sub(p.ValidTo) > r.MaxExtension:
			return hse.Invalid("extension too long", hse.FieldError{Field: "validTo", Message: fmt.Sprintf("one extension adds at most %s", Hours(r.MaxExtension))})
		case newValidTo.Sub(p.ValidFrom) > r.MaxTotal:
			return hse.Invalid("extension too long", hse.FieldError{Field: "validTo",
				Message: fmt.Sprintf("a %s permit spans at most %s from validFrom, extensions included", p.Type, Hours(r.MaxTotal))})
		}
		// Every reason at once, as for an approval: the requester, the
		// contractor through the new valid-to, and clashes of the longer
		// window.
		var reasons []Reason
		if p.RequestedBy == pr.UserID {
			reasons = append(reasons, Reason{Code: ReasonSelfApproval, Message: "a permit is extended by someone other than its requester"})
		}
		cr, err := contractorProblems(ctx, tx, pr.OrgID, p, *r, newValidTo, now)
		if err != nil {
			return err
		}
		clashing, err := neighbours(ctx, tx, pr.OrgID, p, newValidTo)
		if err != nil {
			return err
		}
		longer := *p
		longer.ValidTo = newValidTo
		if reasons = append(append(reasons, cr...), clashProblems(&longer, *r, clashing)...); len(reasons) > 0 {
			return Refusal("EXTENSION_REFUSED", "extended", reasons)
		}
		x := &Extension{ID: hse.NewID(), PermitID: p.ID, OldValidTo: p.ValidTo, NewValidTo: newValidTo, Reason: reason, ExtendedBy: pr.UserID, ExtendedAt: now}
		if err := tx.CreateExtension(ctx, pr.OrgID, x); err != nil {
			return err
		}
		before := Snapshot(p)
		note := p.ValidTo.Format(time.RFC3339) + " → " + newValidTo.Format(time.RFC3339) + ": " + reason
		if err := bump(ctx, tx, pr.OrgID, &longer, now, event(pr, p, now, EventExtended, "", "", note)); err != nil {
			return err
		}
		after := Snapshot(&longer)
		after["extensionReason"] = reason
		if err := tx.AppendAudit(ctx, audit(ctx, pr, now, "permit.extended", p.ID, before, after)); err != nil {
			return err
		}
		if err := tx.Emit(ctx, hse.NewEvent(pr, pr.OrgID, now, EventTypeExtended, EventEntityType, p.ID, map[string]any{
			"number": p.Number, "oldValidTo": x.OldValidTo.Format(time.RFC3339), "newValidTo": x.NewValidTo.Format(time.RFC3339), "reason": reason})); err != nil {
			return err
		}
		d, err = details(ctx, tx, pr.OrgID, &longer)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}
