package audit

import (
	"context"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/checklist"
	"github.com/hsedigital/hse/internal/hse"
)

// mayConduct checks that the caller may work on an audit: auditors conduct
// only the audits assigned to them; a member who also reviews audits
// (compliance managers, admins) may step in for an absent auditor.
func mayConduct(p *hse.Principal, a *Audit) error {
	if a.AuditorUserID == p.UserID || p.Can(PermAuditReview) {
		return nil
	}
	return hse.Forbidden("NOT_ASSIGNED", "the audit is assigned to another auditor")
}

// change runs one change of an audit: the caller's permission, scope and
// assignment, the row locked for the transaction, the client's If-Match
// version, then fn, then the version bump and the audit-trail entry.
func (s *Service) change(ctx context.Context, p *hse.Principal, id string, perm hse.Permission, ifMatch int64, action string,
	fn func(tx Tx, a *Audit, now time.Time) (map[string]any, error)) (*Details, error) {
	if err := p.Require(perm); err != nil {
		return nil, err
	}
	now := s.now()
	var d *Details
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		a, err := find(ctx, tx, p, id, true)
		if err != nil {
			return err
		}
		if perm == PermAuditConduct {
			if err := mayConduct(p, a); err != nil {
				return err
			}
		}
		if err := stale("the audit", ifMatch, a.Version); err != nil {
			return err
		}
		before, from := snapshot(a), a.Status
		after, err := fn(tx, a, now)
		if err != nil {
			return err
		}
		if a.Status != from {
			if err := history(ctx, tx, p, p.OrgID, a, now, HistoryStatus, from, a.Status, a.CancelReason); err != nil {
				return err
			}
			if err := tx.Emit(ctx, hse.NewEvent(p, p.OrgID, now, EventStatusChanged, "audit", a.ID,
				hse.StatusChange(a.Number, from, a.Status, map[string]any{"stationId": a.StationID}))); err != nil {
				return err
			}
		}
		a.UpdatedAt = now
		if err := tx.UpdateAudit(ctx, p.OrgID, a); err != nil {
			return err
		}
		if after == nil {
			after = snapshot(a)
		} else {
			before = nil
		}
		if err := tx.AppendAudit(ctx, trail(ctx, p, now, action, "audit", a.ID, before, after)); err != nil {
			return err
		}
		d, err = details(ctx, tx, p, id)
		return err
	})
	return d, err
}

// Start moves a scheduled audit to In Progress.
func (s *Service) Start(ctx context.Context, p *hse.Principal, id string, ifMatch int64) (*Details, error) {
	return s.change(ctx, p, id, PermAuditConduct, ifMatch, "audit.started", func(_ Tx, a *Audit, now time.Time) (map[string]any, error) {
		if err := Transition(a.Status, StatusInProgress); err != nil {
			return nil, err
		}
		// A window that passed makes the audit Missed (the daily sweep
		// records it); it must be rescheduled to be done.
		if a.WindowEnds != nil && day(now).After(*a.WindowEnds) {
			e := hse.Conflict("AUDIT_WINDOW_PASSED", "the audit's window ended on %s; reschedule it to start it", dateOf(*a.WindowEnds))
			e.Details = map[string]any{"windowEnds": dateOf(*a.WindowEnds)}
			return nil, e
		}
		a.Status, a.StartedAt = StatusInProgress, &now
		return nil, nil
	})
}

// Cancel cancels an audit before completion; a reason is required.
func (s *Service) Cancel(ctx context.Context, p *hse.Principal, id, reason string, ifMatch int64) (*Details, error) {
	var fs []hse.FieldError
	reason = checkText("reason", reason, 1, 500, &fs)
	if len(fs) > 0 {
		return nil, hse.Invalid("a reason is needed", fs...)
	}
	return s.change(ctx, p, id, PermAuditCancel, ifMatch, "audit.cancelled", func(_ Tx, a *Audit, now time.Time) (map[string]any, error) {
		if err := Transition(a.Status, StatusCancelled); err != nil {
			return nil, err
		}
		a.Status, a.CancelledAt, a.CancelReason = StatusCancelled, &now, reason
		return nil, nil
	})
}

// Close closes a completed audit once every one of its corrective actions
// is verified. Verifying the last action closes the audit by itself; this
// is the explicit step, refused while any action is open.
func (s *Service) Close(ctx context.Context, p *hse.Principal, id string, ifMatch int64) (*Details, error) {
	return s.change(ctx, p, id, PermAuditReview, ifMatch, "audit.closed", func(tx Tx, a *Audit, now time.Time) (map[string]any, error) {
		if err := Transition(a.Status, StatusClosed); err != nil {
			return nil, err
		}
		n, err := tx.CountOpenActions(ctx, p.OrgID, a.ID)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			e := hse.Conflict("ACTIONS_OPEN", "%d corrective actions of this audit are not verified yet", n)
			e.Details = map[string]any{"openActions": n}
			return nil, e
		}
		a.Status, a.ClosedAt = StatusClosed, &now
		return nil, nil
	})
}

// definition loads the template version an audit is conducted against.
func definition(ctx context.Context, tx Tx, orgID string, a *Audit) (*checklist.Definition, error) {
	v, err := tx.FindVersion(ctx, orgID, a.FormVersionID)
	if err != nil {
		return nil, err
	}
	return &v.Definition, nil
}

// notInProgress refuses work on an audit that is not being conducted.
func notInProgress(a *Audit) error {
	e := hse.Conflict("AUDIT_NOT_IN_PROGRESS", "the audit is %s; answers can be saved only while it is In Progress", a.Status)
	e.Details = map[string]any{"currentState": a.Status, "allowedTransitions": Allowed(a.Status)}
	return e
}

// SaveAnswer saves one item's answer (an idempotent upsert) while the
// audit is In Progress. The answer is checked against the item's type; an
// unknown item or a wrong value is a 400 naming the item. Saves of one
// audit queue on its row, so concurrent saves of different items all land.
func (s *Service) SaveAnswer(ctx context.Context, p *hse.Principal, id, itemKey string, ans checklist.Answer, ifMatch int64) (*Details, error) {
	ans.Note = strings.TrimSpace(ans.Note)
	return s.change(ctx, p, id, PermAuditConduct, ifMatch, "audit.answer_saved", func(tx Tx, a *Audit, now time.Time) (map[string]any, error) {
		if a.Status != StatusInProgress {
			return nil, notInProgress(a)
		}
		def, err := definition(ctx, tx, p.OrgID, a)
		if err != nil {
			return nil, err
		}
		it, ok := def.Find(itemKey)
		if !ok {
			return nil, hse.Invalid("unknown item", hse.FieldError{Field: "itemKey", Message: "the audit's checklist has no item \"" + itemKey + "\""})
		}
		if fs := checklist.ValidateAnswer(it, ans); len(fs) > 0 {
			return nil, hse.Invalid("invalid answer to item \""+itemKey+"\"", fs...)
		}
		if ans.AttachmentIDs == nil {
			ans.AttachmentIDs = []string{}
		}
		// The files must be uploads of the organization the auditor may
		// see; the links let station-scoped members download the evidence
		// of their audits.
		if err := hse.Attach(ctx, tx, p, AnswerLink(a, itemKey), "attachmentIds", ans.AttachmentIDs); err != nil {
			return nil, err
		}
		sa := &StoredAnswer{ItemKey: itemKey, Answer: ans, AnsweredBy: p.UserID, AnsweredAt: now}
		if err := tx.PutAnswer(ctx, p.OrgID, a.ID, sa); err != nil {
			return nil, err
		}
		after := map[string]any{"itemKey": itemKey, "value": string(ans.Value), "note": ans.Note, "attachmentIds": ans.AttachmentIDs}
		if ans.Severity != "" {
			after["severity"] = ans.Severity
		}
		return after, nil
	})
}

// Complete finishes an audit: every required visible item answered and
// every failure that demands it evidenced (otherwise 400 listing each
// missing item), then the score, result and breakdown are stored, a
// finding is raised for every failed visible item and a corrective action
// for each finding. An audit without findings has nothing left to verify
// and closes at once.
func (s *Service) Complete(ctx context.Context, p *hse.Principal, id string, ifMatch int64) (*Details, error) {
	return s.change(ctx, p, id, PermAuditConduct, ifMatch, "audit.completed", func(tx Tx, a *Audit, now time.Time) (map[string]any, error) {
		if err := Transition(a.Status, StatusCompleted); err != nil {
			return nil, err
		}
		def, err := definition(ctx, tx, p.OrgID, a)
		if err != nil {
			return nil, err
		}
		stored, err := tx.FindAnswers(ctx, p.OrgID, a.ID)
		if err != nil {
			return nil, err
		}
		answers := checklist.Answers{}
		for _, sa := range stored {
			answers[sa.ItemKey] = sa.Answer
		}
		if fs := checklist.Incomplete(def, answers); len(fs) > 0 {
			e := hse.Invalid("the audit cannot be completed yet", fs...)
			e.Code = "AUDIT_INCOMPLETE"
			return nil, e
		}
		r := checklist.Score(def, answers)
		a.Status, a.CompletedAt, a.Score, a.Result, a.Breakdown = StatusCompleted, &now, &r.Score, r.Result, &r
		for _, fi := range r.Failed {
			if err := raiseFinding(ctx, tx, p, a, fi, answers[fi.Key], now); err != nil {
				return nil, err
			}
		}
		if len(r.Failed) == 0 {
			a.Status, a.ClosedAt = StatusClosed, &now
		}
		return nil, nil
	})
}

// raiseFinding records a failed item as a finding with its corrective
// action.
func raiseFinding(ctx context.Context, tx Tx, p *hse.Principal, a *Audit, fi checklist.FailedItem, ans checklist.Answer, now time.Time) error {
	obs := ans.Note
	if obs == "" {
		obs = fi.Label
	}
	att := ans.AttachmentIDs
	if att == nil {
		att = []string{}
	}
	f := &Finding{ID: newID(), AuditID: a.ID, ItemKey: fi.Key, Severity: fi.Severity, Observation: obs, AttachmentIDs: att, CreatedAt: now}
	if err := tx.CreateFinding(ctx, p.OrgID, f); err != nil {
		return err
	}
	if err := hse.Attach(ctx, tx, p, hse.AttachmentLink{EntityType: "finding", EntityID: f.ID, StationID: a.StationID}, "attachmentIds", att); err != nil {
		return err
	}
	actionID, err := tx.CreateCorrectiveAction(ctx, p.OrgID, ActionRequest{FindingID: f.ID, AuditID: a.ID, AuditNumber: a.Number,
		StationID: a.StationID, Severity: f.Severity, Title: truncate(a.Number+": "+fi.Label, maxActionTitle), Description: obs,
		CreatedBy: p.UserID, At: now})
	if err != nil {
		return err
	}
	f.ActionID = actionID
	return nil
}

// AnswerLink names an audit answer as the record its photos document:
// answers have no id of their own, so the audit and item key stand for it.
func AnswerLink(a *Audit, itemKey string) hse.AttachmentLink {
	return hse.AttachmentLink{EntityType: "answer", EntityID: a.ID + "/" + itemKey, StationID: a.StationID}
}

// maxActionTitle is the longest title a corrective action takes; item
// labels may be longer.
const maxActionTitle = 300

// truncate shortens s to at most n runes, ending with an ellipsis when cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
