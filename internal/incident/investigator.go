package incident

import (
	"context"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// InvestigationDays is how long an investigation takes by default, by the
// incident's severity: the worse the incident, the sooner its causes are
// wanted.
var InvestigationDays = map[string]int{"Critical": 7, "High": 14, "Medium": 30, "Low": 30}

// DefaultInvestigationDue is the due day of an investigation assigned on
// the day today (a day in the organization's time zone).
func DefaultInvestigationDue(severity string, today time.Time) time.Time {
	days, ok := InvestigationDays[severity]
	if !ok {
		days = 30
	}
	return today.AddDate(0, 0, days)
}

// InvestigationOverdue reports whether the investigation is past its due
// day on the day today and the incident still under investigation (or not
// yet started).
func (i *Incident) InvestigationOverdue(today time.Time) bool {
	return i.InvestigationDueOn != nil && (i.Status == StatusReported || i.Status == StatusUnderInvestigation) &&
		i.InvestigationDueOn.Before(today)
}

// AssignInput names an incident's investigator and the day the
// investigation is due (nil: by the severity, from today).
type AssignInput struct {
	InvestigatorID string
	DueOn          *time.Time
}

// AssignInvestigator makes a member the investigator of an incident that
// is not closed. The investigator must be a member who may investigate
// incidents at its station (400 naming investigatorId otherwise); the due
// day is today or later in the organization's time zone. The investigator
// is told through the incident:investigator_assigned event.
func (s *Service) AssignInvestigator(ctx context.Context, p *hse.Principal, id string, version int64, in AssignInput) (*Incident, error) {
	if err := p.Require(PermInvestigate); err != nil {
		return nil, err
	}
	if in.InvestigatorID == "" {
		return nil, hse.Invalid("an investigator is needed", hse.FieldError{Field: "investigatorId", Message: "required"})
	}
	var i *Incident
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		var err error
		if i, err = findToChange(ctx, tx, p, id, version); err != nil {
			return err
		}
		if i.Status == StatusClosed {
			return hse.Conflict("INCIDENT_CLOSED", "the incident is closed; reopen it first")
		}
		if err := checkInvestigator(ctx, tx, p.OrgID, i.StationID, in.InvestigatorID); err != nil {
			return err
		}
		prefs, err := tx.OrgPrefs(ctx, p.OrgID)
		if err != nil {
			return err
		}
		now := s.now()
		today := hse.Today(now, prefs.Location())
		due := DefaultInvestigationDue(i.Severity, today)
		if in.DueOn != nil {
			if due = dayOf(*in.DueOn); due.Before(today) {
				return hse.Invalid("the due date is in the past", hse.FieldError{Field: "investigationDueOn", Message: "today or later"})
			}
		}
		return s.setInvestigator(ctx, tx, p, i, in.InvestigatorID, &due, now)
	})
	if err != nil {
		return nil, err
	}
	return i, nil
}

// setInvestigator stores a new investigator (or "", nobody) and due day,
// with the history, audit entry and event of the change. Offboarding a
// member uses it to hand their investigations over.
func (s *Service) setInvestigator(ctx context.Context, tx Tx, p *hse.Principal, i *Incident, userID string, due *time.Time, now time.Time) error {
	before := Snapshot(i)
	next := *i
	next.InvestigatorUserID, next.InvestigationDueOn, next.Version, next.UpdatedAt = userID, due, i.Version+1, now
	if err := tx.UpdateIncident(ctx, p.OrgID, &next, i.Version); err != nil {
		return err
	}
	*i = next
	payload := map[string]any{"number": i.Number, "stationId": i.StationID}
	if userID != "" {
		payload["investigatorUserId"] = userID
	}
	if due != nil {
		payload["investigationDueOn"] = due.Format(time.DateOnly)
	}
	return record(ctx, tx, p, history(p, i, now, EventInvestigatorAssigned, "", "", userID),
		audit(ctx, p, now, "incident.investigator_assigned", i.ID, before, Snapshot(i)),
		newEvent(p, i, now, "investigator_assigned", payload))
}

// checkInvestigator refuses someone who is not a member, or whose role or
// stations do not let them investigate at the incident's station.
func checkInvestigator(ctx context.Context, tx Tx, orgID, stationID, userID string) error {
	bad := hse.Invalid("the investigator cannot investigate this incident", hse.FieldError{Field: "investigatorId",
		Message: "must be a member who may investigate incidents at the incident's station"})
	acc, err := tx.MemberAccess(ctx, orgID, userID)
	if hse.IsNotFound(err) {
		return bad
	}
	if err != nil {
		return err
	}
	if !acc.Permissions.Has(PermInvestigate) || !acc.Scope.AllowsStation(stationID) {
		return bad
	}
	return nil
}

// dayOf is the calendar day of a date as given (YYYY-MM-DD parsed in UTC).
func dayOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
