package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// notScheduled refuses moving an audit that is no longer waiting to start.
func notScheduled(a *Audit, what string) error {
	e := hse.Conflict("AUDIT_NOT_SCHEDULED", "the audit is %s; only a Scheduled audit can be %s", a.Status, what)
	e.Details = map[string]any{"currentState": a.Status}
	return e
}

// Reschedule moves a Scheduled audit to another date (today or later) for
// a stated reason. Its window moves with it; its number and its schedule
// occurrence stay, so the schedule does not create it again.
func (s *Service) Reschedule(ctx context.Context, p *hse.Principal, id, date, reason string, ifMatch int64) (*Details, error) {
	var fs []hse.FieldError
	reason = checkText("reason", reason, 1, 500, &fs)
	to, err := time.Parse(time.DateOnly, date)
	if err != nil {
		fs = append(fs, hse.FieldError{Field: "scheduledFor", Message: "must be a date YYYY-MM-DD"})
	} else if to.Before(day(s.now())) {
		fs = append(fs, hse.FieldError{Field: "scheduledFor", Message: "must be today or later"})
	}
	if len(fs) > 0 {
		return nil, hse.Invalid("invalid reschedule", fs...)
	}
	return s.change(ctx, p, id, PermAuditSchedule, ifMatch, "audit.rescheduled", func(tx Tx, a *Audit, now time.Time) (map[string]any, error) {
		if a.Status != StatusScheduled {
			return nil, notScheduled(a, "rescheduled")
		}
		from := a.ScheduledFor
		if a.WindowEnds != nil {
			end := a.WindowEnds.Add(to.Sub(from))
			a.WindowEnds = &end
		}
		a.ScheduledFor = to
		note := fmt.Sprintf("%s → %s: %s", dateOf(from), dateOf(to), reason)
		if err := history(ctx, tx, p, p.OrgID, a, now, HistoryRescheduled, "", "", note); err != nil {
			return nil, err
		}
		return map[string]any{"from": dateOf(from), "to": dateOf(to), "reason": reason}, nil
	})
}

// Reassign gives a Scheduled or In Progress audit to another auditor, who
// must hold audits:conduct for its station, for a stated reason. The new
// auditor is told (audit:assigned).
func (s *Service) Reassign(ctx context.Context, p *hse.Principal, id, auditorID, reason string, ifMatch int64) (*Details, error) {
	var fs []hse.FieldError
	reason = checkText("reason", reason, 1, 500, &fs)
	if auditorID == "" {
		fs = append(fs, hse.FieldError{Field: "auditorUserId", Message: "is required"})
	}
	if len(fs) > 0 {
		return nil, hse.Invalid("invalid reassignment", fs...)
	}
	return s.change(ctx, p, id, PermAuditSchedule, ifMatch, "audit.reassigned", func(tx Tx, a *Audit, now time.Time) (map[string]any, error) {
		if a.Status != StatusScheduled && a.Status != StatusInProgress {
			e := hse.Conflict("AUDIT_NOT_OPEN", "the audit is %s; only a Scheduled or In Progress audit can be reassigned", a.Status)
			e.Details = map[string]any{"currentState": a.Status}
			return nil, e
		}
		if auditorID == a.AuditorUserID {
			return nil, hse.Invalid("same auditor", hse.FieldError{Field: "auditorUserId", Message: "is the audit's auditor already"})
		}
		acc, err := tx.FindMemberAccess(ctx, p.OrgID, auditorID)
		if err != nil && !hse.IsNotFound(err) {
			return nil, err
		}
		if err != nil || !acc.Permissions.Has(PermAuditConduct) || !acc.Scope.AllowsStation(a.StationID) {
			return nil, hse.Invalid("the auditor cannot conduct this audit", hse.FieldError{Field: "auditorUserId",
				Message: "must be a member whose role holds audits:conduct for this station"})
		}
		from := a.AuditorUserID
		a.AuditorUserID = auditorID
		if err := history(ctx, tx, p, p.OrgID, a, now, HistoryReassigned, "", "", from+" → "+auditorID+": "+reason); err != nil {
			return nil, err
		}
		if err := tx.Emit(ctx, assignedEvent(p, p.OrgID, now, a)); err != nil {
			return nil, err
		}
		return map[string]any{"from": from, "to": auditorID, "reason": reason}, nil
	})
}

// History returns an audit's history, oldest first: scheduled,
// rescheduled, reassigned, moved by its schedule, status changes, missed.
func (s *Service) History(ctx context.Context, p *hse.Principal, id string) ([]hse.HistoryEntry, error) {
	if err := p.Require(PermAuditsRead); err != nil {
		return nil, err
	}
	var out []hse.HistoryEntry
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		if _, err := find(ctx, tx, p, id, false); err != nil {
			return err
		}
		var err error
		out, err = tx.FindAuditHistory(ctx, p.OrgID, id)
		return err
	})
	return out, err
}
