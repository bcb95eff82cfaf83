package incident

import (
	"context"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/capa"
	"github.com/hsedigital/hse/internal/hse"
)

// ActionInput is a corrective action raised from an incident.
type ActionInput struct {
	Title       string
	Description string
	AssigneeID  string
	DueOn       *time.Time // a day; default from the severity
	Priority    string     // default from the incident's severity
	Severity    string     // Minor, Major or Critical
}

// priorityOf maps an incident's severity to the default priority of its
// actions (the two scales share their names).
func priorityOf(severity string) string { return severity }

// RaiseAction raises a corrective action from an incident (source
// "incident", at the incident's station) in the same transaction as the
// incident's history entry. It needs incidents:investigate; the incident
// must not be closed.
func (s *Service) RaiseAction(ctx context.Context, p *hse.Principal, id string, in ActionInput) (*capa.Action, error) {
	if err := p.Require(PermInvestigate); err != nil {
		return nil, err
	}
	now := s.now()
	var a *capa.Action
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		i, err := findToChange(ctx, tx, p, id, 0)
		if err != nil {
			return err
		}
		if i.Status == StatusClosed {
			return hse.Conflict("INCIDENT_CLOSED", "a closed incident raises no actions; reopen it first")
		}
		a = &capa.Action{SourceType: capa.SourceIncident, SourceID: i.ID, StationID: i.StationID, Title: in.Title,
			Description: strings.TrimSpace(in.Description), AssigneeUserID: in.AssigneeID, Priority: in.Priority,
			Severity: in.Severity, CreatedBy: p.UserID, CreatedAt: now}
		if a.Priority == "" {
			a.Priority = priorityOf(i.Severity)
		}
		// Days are reckoned in the organization's time zone.
		today := p.Today(now)
		if in.DueOn != nil {
			if err := capa.CheckDue(*in.DueOn, today); err != nil {
				return err
			}
			a.DueOn = *in.DueOn
		} else {
			a.DueOn = capa.DefaultDue(a.Severity, today)
		}
		if err := capa.Prepare(a, now); err != nil {
			return err
		}
		if a.AssigneeUserID != "" {
			nm, err := tx.NonMembers(ctx, p.OrgID, []string{a.AssigneeUserID})
			if err != nil {
				return err
			}
			if len(nm) > 0 {
				return hse.Invalid("the assignee must be a member", hse.FieldError{Field: "assigneeId", Message: "not a member of this organization"})
			}
		}
		if err := tx.CreateAction(ctx, p.OrgID, a); err != nil {
			return err
		}
		return record(ctx, tx, p, history(p, i, now, EventActionRaised, "", "", a.Number),
			audit(ctx, p, now, "incident.action_raised", i.ID, nil, map[string]any{"actionId": a.ID, "actionNumber": a.Number}),
			newEvent(p, i, now, "action_raised", map[string]any{"number": i.Number, "actionId": a.ID, "actionNumber": a.Number,
				"assigneeId": a.AssigneeUserID}))
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Actions lists the corrective actions raised from an incident the caller
// may see, oldest first.
func (s *Service) Actions(ctx context.Context, p *hse.Principal, id string) ([]capa.Action, error) {
	if err := requireAccess(p); err != nil {
		return nil, err
	}
	var out []capa.Action
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		if _, err := find(ctx, tx, p, id); err != nil {
			return err
		}
		var err error
		out, err = tx.IncidentActions(ctx, p.OrgID, id)
		return err
	})
	return out, err
}
