package capa

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Actions lists the actions the caller may see.
func (s *Service) Actions(ctx context.Context, p *hse.Principal, f Filter, page hse.PageRequest) (hse.Page[Action], error) {
	if err := p.Require(PermRead); err != nil {
		return hse.Page[Action]{}, err
	}
	restrict(p, &f)
	f.Today = p.Today(s.now()) // overdue in the organization's time zone
	var out hse.Page[Action]
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		var err error
		out, err = tx.FindActions(ctx, p.OrgID, f, page)
		return err
	})
	return out, err
}

// Action returns one action in the caller's scope.
func (s *Service) Action(ctx context.Context, p *hse.Principal, id string) (*Action, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	var a *Action
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		var err error
		a, err = find(ctx, tx, p, id)
		return err
	})
	return a, err
}

// History returns an action's events, oldest first.
func (s *Service) History(ctx context.Context, p *hse.Principal, id string) ([]Event, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	var out []Event
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		if _, err := find(ctx, tx, p, id); err != nil {
			return err
		}
		var err error
		out, err = tx.FindActionEvents(ctx, p.OrgID, id)
		return err
	})
	return out, err
}

// NewInput is an action raised by hand.
type NewInput struct {
	Title       string
	Description string
	AssigneeID  string
	StationID   string
	DueOn       *time.Time // a day; default from the severity
	Priority    string
	Severity    string
}

// CreateAction raises an action by hand (source "manual").
func (s *Service) CreateAction(ctx context.Context, p *hse.Principal, in NewInput) (*Action, error) {
	if err := p.Require(PermCreate); err != nil {
		return nil, err
	}
	now := s.now()
	a := &Action{SourceType: SourceManual, Title: in.Title, Description: strings.TrimSpace(in.Description), AssigneeUserID: in.AssigneeID,
		StationID: in.StationID, Priority: in.Priority, Severity: in.Severity, CreatedBy: p.UserID, CreatedAt: now}
	// Days are reckoned in the organization's time zone: "today" in
	// Sydney starts hours before it does in UTC.
	today := p.Today(now)
	if in.DueOn != nil {
		if err := CheckDue(*in.DueOn, today); err != nil {
			return nil, err
		}
		a.DueOn = *in.DueOn
	} else {
		a.DueOn = DefaultDue(a.Severity, today)
	}
	if err := Prepare(a, now); err != nil {
		return nil, err
	}
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		if a.StationID != "" {
			ok, err := tx.StationExists(ctx, p.OrgID, a.StationID)
			if err != nil {
				return err
			}
			if !ok || !p.Scope.AllowsStation(a.StationID) {
				return hse.NotFound("station")
			}
		}
		if err := checkAssignee(ctx, tx, p.OrgID, a.AssigneeUserID); err != nil {
			return err
		}
		return tx.CreateAction(ctx, p.OrgID, a)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Change is an edit of an action's details; nil fields stay.
type Change struct {
	Title       *string
	Description *string
	AssigneeID  *string // "" unassigns
	DueOn       *time.Time
	Priority    *string
}

// UpdateAction edits an action whose current version is version. Each kind
// of change is recorded in the history; a verified action is closed to
// edits.
func (s *Service) UpdateAction(ctx context.Context, p *hse.Principal, id string, version int64, c Change) (*Action, error) {
	if err := p.Require(PermUpdate); err != nil {
		return nil, err
	}
	var a *Action
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		var err error
		if a, err = find(ctx, tx, p, id); err != nil {
			return err
		}
		if a.Version != version {
			return hse.StaleVersion("action", a.Version)
		}
		if a.Status == StatusVerified {
			return hse.Conflict("ACTION_VERIFIED", "a verified action is closed; raise a new one")
		}
		before := Snapshot(a)
		now := s.now()
		var events []*Event
		next := *a
		if c.Title != nil {
			next.Title = *c.Title
		}
		if c.Description != nil {
			next.Description = strings.TrimSpace(*c.Description)
		}
		if c.Priority != nil {
			next.Priority = *c.Priority
		}
		if err := validateDetails(&next); err != nil {
			return err
		}
		if next.Title != a.Title || next.Description != a.Description || next.Priority != a.Priority {
			events = append(events, event(p, a, now, EventUpdated, "", "", ""))
		}
		if c.AssigneeID != nil && *c.AssigneeID != a.AssigneeUserID {
			if err := checkAssignee(ctx, tx, p.OrgID, *c.AssigneeID); err != nil {
				return err
			}
			next.AssigneeUserID = *c.AssigneeID
			events = append(events, event(p, a, now, EventAssigned, "", "", *c.AssigneeID))
		}
		if c.DueOn != nil && !Day(*c.DueOn).Equal(a.DueOn) {
			// A new due day obeys the rule of a new action; an unchanged
			// one, even past, is not news.
			if err := CheckDue(*c.DueOn, p.Today(now)); err != nil {
				return err
			}
			next.DueOn = Day(*c.DueOn)
			events = append(events, event(p, a, now, EventDueChanged, "", "", a.DueOn.Format(time.DateOnly)+" → "+next.DueOn.Format(time.DateOnly)))
		}
		if len(events) == 0 {
			return nil // nothing changed: no new version
		}
		next.Version, next.UpdatedAt = a.Version+1, now
		if err := tx.UpdateAction(ctx, p.OrgID, &next, a.Version); err != nil {
			return err
		}
		for _, e := range events {
			if err := tx.AppendActionEvent(ctx, p.OrgID, e); err != nil {
				return err
			}
		}
		*a = next
		typ := TypeUpdated
		if next.AssigneeUserID != "" && slices.ContainsFunc(events, func(e *Event) bool { return e.Kind == EventAssigned }) {
			typ = TypeAssigned // what tells the new assignee
		}
		if err := tx.Emit(ctx, hse.NewEvent(p, p.OrgID, now, typ, "action", a.ID, EventPayload(a))); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, audit(ctx, p, now, "action.updated", a.ID, before, Snapshot(a)))
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// validateDetails checks the editable details, naming each bad field, as
// Prepare checks them on creation. Prepare fills in a missing priority;
// an edit cannot unset one, so an empty priority is refused here.
func validateDetails(a *Action) error {
	probe := &Action{Title: a.Title, Description: a.Description, SourceType: SourceManual, Priority: a.Priority}
	if a.Priority == "" {
		probe.Priority = "none"
	}
	err := Prepare(probe, time.Time{})
	a.Title = probe.Title
	return err
}

// CheckDue refuses a due day before today (the day in the organization's
// time zone, as hse.Today gives it): every action raised by hand or from
// an incident, and every edit of a due day, obeys it.
func CheckDue(due, today time.Time) error {
	if Day(due).Before(Day(today)) {
		return hse.Invalid("the due date is in the past", hse.FieldError{Field: "dueOn", Message: "today or later"})
	}
	return nil
}
