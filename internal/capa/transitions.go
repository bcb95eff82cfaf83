package capa

import (
	"context"
	"fmt"
	"strings"

	"github.com/hsedigital/hse/internal/hse"
)

// Transition performs a lifecycle move on an action whose current version
// is version (0: whatever is current), with its note: the completion notes
// or the reason verification failed. evidence, on completion only, names
// uploaded files that show the work done; they are linked to the action.
// Verifying the last open action of an
// audit closes the audit in the same transaction.
func (s *Service) Transition(ctx context.Context, p *hse.Principal, id string, version int64, m Move, note string, evidence []string) (*Action, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	if len(evidence) > 0 && m != MoveComplete {
		return nil, hse.Invalid("evidence is attached when completing an action", hse.FieldError{Field: "attachmentIds", Message: "only with complete"})
	}
	if len(evidence) > MaxEvidence {
		return nil, hse.Invalid("too many files", hse.FieldError{Field: "attachmentIds", Message: fmt.Sprintf("at most %d", MaxEvidence)})
	}
	note = strings.TrimSpace(note)
	if len(note) > 10000 {
		return nil, hse.Invalid("the note is too long", hse.FieldError{Field: noteField(m), Message: "at most 10,000 characters"})
	}
	var a *Action
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		var err error
		if a, err = find(ctx, tx, p, id); err != nil {
			return err
		}
		// Who may make the move comes before the version and the state:
		// a caller who may not learns nothing about either.
		actor := Actor{UserID: p.UserID, Permissions: p.Permissions}
		if err := MayMove(a, m, actor); err != nil {
			return err
		}
		if version != 0 && a.Version != version {
			return hse.StaleVersion("action", a.Version)
		}
		if err := CheckMove(a, m, actor, note); err != nil {
			return err
		}
		before := Snapshot(a)
		now := s.now()
		from, next := a.Status, *a
		next.Status, next.Version, next.UpdatedAt = Target(m), a.Version+1, now
		kind := EventStatusChanged
		switch m {
		case MoveComplete:
			next.CompletedBy, next.CompletedAt, next.CompletionNotes = p.UserID, &now, note
			link := hse.AttachmentLink{EntityType: "action", EntityID: a.ID, StationID: a.StationID}
			if err := hse.Attach(ctx, tx, p, link, "attachmentIds", evidence); err != nil {
				return err
			}
		case MoveVerify:
			next.VerifiedBy, next.VerifiedAt = p.UserID, &now
		case MoveReject:
			// The work is reopened: the completion no longer stands.
			next.CompletedBy, next.CompletedAt = "", nil
			kind = EventVerificationFailed
		}
		if err := tx.UpdateAction(ctx, p.OrgID, &next, a.Version); err != nil {
			return err
		}
		if err := tx.AppendActionEvent(ctx, p.OrgID, event(p, a, now, kind, from, next.Status, note)); err != nil {
			return err
		}
		*a = next
		if err := tx.Emit(ctx, hse.NewEvent(p, p.OrgID, now, TypeStatusChanged, "action", a.ID,
			hse.StatusChange(a.Number, from, a.Status, EventPayload(a)))); err != nil {
			return err
		}
		after := Snapshot(a)
		if len(evidence) > 0 {
			after["attachmentIds"] = evidence
		}
		if err := tx.AppendAudit(ctx, audit(ctx, p, now, "action."+string(m), a.ID, before, after)); err != nil {
			return err
		}
		if m == MoveVerify && a.AuditID != "" {
			closed, err := tx.CloseAuditIfAllVerified(ctx, p.OrgID, a.AuditID, now)
			if err != nil {
				return err
			}
			if closed {
				e := audit(ctx, p, now, "audit.closed", a.AuditID, map[string]any{"status": "Completed"},
					map[string]any{"status": "Closed", "reason": "all corrective actions verified", "lastActionId": a.ID})
				e.EntityType = "audit"
				return tx.AppendAudit(ctx, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// MaxEvidence bounds the files attached to one completion.
const MaxEvidence = 20

func noteField(m Move) string {
	if m == MoveReject {
		return "reason"
	}
	return "notes"
}
