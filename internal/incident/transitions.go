package incident

import (
	"context"
	"strings"

	"github.com/hsedigital/hse/internal/hse"
)

// Transition makes a lifecycle move on an incident whose current version
// is version (0: whatever is current). note is the reason of a reopen.
// Closing is refused while any corrective action raised from the incident
// is not Verified; closing sets resolvedAt (and the closure reason, which
// closing from investigation needs) and reopening clears them.
func (s *Service) Transition(ctx context.Context, p *hse.Principal, id string, version int64, m Move, note string) (*Incident, error) {
	if perm := MovePermission(m); perm != "" {
		// Refused before the lookup, so the answer names the permission.
		if err := p.Require(perm); err != nil {
			return nil, err
		}
	}
	note = strings.TrimSpace(note)
	if len([]rune(note)) > 5000 {
		return nil, hse.Invalid("the reason is too long", hse.FieldError{Field: "reason", Message: "at most 5,000 characters"})
	}
	var i *Incident
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		var err error
		if i, err = findToChange(ctx, tx, p, id, version); err != nil {
			return err
		}
		if err := CheckMove(i.Status, m, p.Permissions, note); err != nil {
			return err
		}
		if m == MoveClose {
			open, err := tx.OpenIncidentActions(ctx, p.OrgID, i.ID)
			if err != nil {
				return err
			}
			if open > 0 {
				return &hse.Error{Kind: hse.KindConflict, Code: "INCIDENT_ACTIONS_OPEN",
					Message: "the incident cannot close while any of its corrective actions is not verified",
					Details: map[string]any{"openActions": open}}
			}
		}
		now := s.now()
		before := Snapshot(i)
		from, next := i.Status, *i
		next.Status, next.Version, next.UpdatedAt = Target(m), i.Version+1, now
		switch m {
		case MoveClose:
			next.ResolvedAt, next.ClosureReason = &now, note
		case MoveReopen:
			next.ResolvedAt, next.ClosureReason = nil, ""
		}
		if err := tx.UpdateIncident(ctx, p.OrgID, &next, i.Version); err != nil {
			return err
		}
		*i = next
		kind := EventStatusChanged
		events := []*hse.Event{newEvent(p, i, now, "status_changed", hse.StatusChange(i.Number, from, i.Status, nil))}
		if m == MoveReopen {
			kind = EventReopened
			events = append(events, newEvent(p, i, now, "reopened", map[string]any{"number": i.Number, "reason": note}))
		}
		return record(ctx, tx, p, history(p, i, now, kind, from, i.Status, note),
			audit(ctx, p, now, "incident."+string(m), i.ID, before, Snapshot(i)), events...)
	})
	if err != nil {
		return nil, err
	}
	return i, nil
}
