package incident

import (
	"context"
	"slices"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// NewInput is a report of an incident.
type NewInput struct {
	StationID        string
	Type             string
	Severity         string
	OccurredAt       time.Time
	Description      string
	ImmediateActions string
	Location         string
	People           []Person
	AttachmentIDs    []string
	Record           Recordkeeping
	// RecordableUnstated says the reporter did not say whether the case is
	// recordable: then it is exactly when an outcome makes it so (a
	// fatality, days away ...). A stated false with such an outcome is
	// refused as contradictory.
	RecordableUnstated bool
}

// Report records a new incident, numbered INC-<year>-<seq>. It is one
// short write transaction: the number, the row (whose insert also proves
// the station exists), its attachments, history, audit entry and events.
// Every report of an organization queues on its number counter from
// taking the number to the commit, so nothing else happens in between.
func (s *Service) Report(ctx context.Context, p *hse.Principal, in NewInput) (*Incident, error) {
	if err := p.Require(PermReport); err != nil {
		return nil, err
	}
	now := s.now()
	i := &Incident{ID: hse.NewID(), StationID: in.StationID, Type: in.Type, Severity: in.Severity, Status: StatusReported,
		OccurredAt: in.OccurredAt.UTC().Truncate(time.Microsecond), ReportedAt: now, ReporterUserID: p.UserID,
		Description: in.Description, ImmediateActions: in.ImmediateActions, Location: in.Location,
		People: orEmpty(in.People), AttachmentIDs: orEmpty(in.AttachmentIDs), Record: in.Record, Version: 1, CreatedAt: now, UpdatedAt: now}
	if in.RecordableUnstated {
		i.Record.Recordable = i.Record.ImpliesRecordable()
	}
	if err := Check(i, now, time.Time{}); err != nil {
		return nil, err
	}
	if !mayReportAt(p, i.StationID) {
		return nil, hse.NotFound("station")
	}
	series := Series(now)
	err := s.Store.InSeriesTx(ctx, hse.ScopeOf(p, false), series, func(tx Tx) error {
		n, err := tx.NextNumber(ctx, p.OrgID, series)
		if err != nil {
			return err
		}
		i.Number = FormatNumber(series, n)
		if err := tx.CreateIncident(ctx, p.OrgID, i); err != nil {
			return err
		}
		if len(i.AttachmentIDs) > 0 {
			if err := hse.Attach(ctx, tx, p, link(i), "attachmentIds", i.AttachmentIDs); err != nil {
				return err
			}
		}
		payload := map[string]any{"number": i.Number, "stationId": i.StationID, "type": i.Type, "severity": i.Severity,
			"occurredAt": i.OccurredAt}
		events := []*hse.Event{nil}
		if i.RegulatoryDeadline != nil {
			payload["regulatoryDeadline"] = *i.RegulatoryDeadline
			events = append(events, deadlineEvent(p, i, now))
		}
		events[0] = newEvent(p, i, now, "created", payload)
		return record(ctx, tx, p, history(p, i, now, EventCreated, "", i.Status, ""),
			audit(ctx, p, now, "incident.created", i.ID, nil, Snapshot(i)), events...)
	})
	if err != nil {
		return nil, err
	}
	return i, nil
}

func link(i *Incident) hse.AttachmentLink {
	return hse.AttachmentLink{EntityType: "incident", EntityID: i.ID, StationID: i.StationID}
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Incidents lists the incidents the caller may see. Without a sort the
// newest occurrence comes first.
func (s *Service) Incidents(ctx context.Context, p *hse.Principal, f Filter, page hse.PageRequest) (hse.Page[Incident], error) {
	if err := requireAccess(p); err != nil {
		return hse.Page[Incident]{}, err
	}
	restrict(p, &f)
	f.Now = s.now()
	if page.Sort == "" {
		page.Desc = true
	}
	var out hse.Page[Incident]
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		var err error
		out, err = tx.FindIncidents(ctx, p.OrgID, f, page)
		return err
	})
	return out, err
}

// Incident returns one incident the caller may see.
func (s *Service) Incident(ctx context.Context, p *hse.Principal, id string) (*Incident, error) {
	if err := requireAccess(p); err != nil {
		return nil, err
	}
	var i *Incident
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		var err error
		i, err = find(ctx, tx, p, id)
		return err
	})
	return i, err
}

// History returns an incident's history, oldest first.
func (s *Service) History(ctx context.Context, p *hse.Principal, id string) ([]Event, error) {
	if err := requireAccess(p); err != nil {
		return nil, err
	}
	var out []Event
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		if _, err := find(ctx, tx, p, id); err != nil {
			return err
		}
		var err error
		out, err = tx.FindIncidentEvents(ctx, p.OrgID, id)
		return err
	})
	return out, err
}

// Change is an edit of an incident's details and recordkeeping; nil
// fields stay as they are.
type Change struct {
	StationID        *string
	Type             *string
	Severity         *string
	OccurredAt       *time.Time
	Description      *string
	ImmediateActions *string
	Location         *string
	People           *[]Person
	AttachmentIDs    *[]string
	Recordable       *bool
	DaysAway         *int
	DaysRestricted   *int
	Fatality         *bool
	Hospitalised     *bool
	Amputation       *bool
	EyeLoss          *bool
	// RegulatorReportedAt records when the incident was reported to the
	// regulator; once recorded it can be corrected but not removed.
	RegulatorReportedAt *time.Time
}

// apply returns i with c applied.
func (c Change) apply(i Incident) Incident {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&i.StationID, c.StationID)
	set(&i.Type, c.Type)
	set(&i.Severity, c.Severity)
	set(&i.Description, c.Description)
	set(&i.ImmediateActions, c.ImmediateActions)
	set(&i.Location, c.Location)
	if c.OccurredAt != nil {
		i.OccurredAt = c.OccurredAt.UTC().Truncate(time.Microsecond)
	}
	if c.People != nil {
		i.People = orEmpty(slices.Clone(*c.People))
	}
	if c.AttachmentIDs != nil {
		i.AttachmentIDs = orEmpty(slices.Clone(*c.AttachmentIDs))
	}
	for _, b := range []struct {
		dst *bool
		v   *bool
	}{{&i.Record.Recordable, c.Recordable}, {&i.Record.Fatality, c.Fatality}, {&i.Record.Hospitalised, c.Hospitalised},
		{&i.Record.Amputation, c.Amputation}, {&i.Record.EyeLoss, c.EyeLoss}} {
		if b.v != nil {
			*b.dst = *b.v
		}
	}
	if c.DaysAway != nil {
		i.Record.DaysAway = *c.DaysAway
	}
	if c.DaysRestricted != nil {
		i.Record.DaysRestricted = *c.DaysRestricted
	}
	if c.Recordable == nil && i.Record.ImpliesRecordable() {
		// Not stated in this change: an outcome (a fatality recorded now,
		// or before) makes the case recordable.
		i.Record.Recordable = true
	}
	if c.RegulatorReportedAt != nil {
		t := c.RegulatorReportedAt.UTC().Truncate(time.Microsecond)
		i.RegulatorReportedAt = &t
	}
	return i
}

// Update edits an incident whose current version is version. A closed
// incident is reopened before it is edited. A change that makes the
// incident reportable, or moves its deadline, emits incident:deadline_set.
func (s *Service) Update(ctx context.Context, p *hse.Principal, id string, version int64, c Change) (*Incident, error) {
	if err := p.Require(PermInvestigate); err != nil {
		return nil, err
	}
	var i *Incident
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		var err error
		if i, err = findToChange(ctx, tx, p, id, version); err != nil {
			return err
		}
		if i.Status == StatusClosed {
			return hse.Conflict("INCIDENT_CLOSED", "a closed incident is not edited; reopen it first")
		}
		now := s.now()
		next := c.apply(*i)
		if err := Check(&next, now, i.OccurredAt); err != nil {
			return err
		}
		if next.StationID != i.StationID {
			if err := checkStation(ctx, tx, p, next.StationID); err != nil {
				return err
			}
			if !p.Scope.AllowsStation(next.StationID) {
				return hse.NotFound("station")
			}
		}
		attachmentsChanged := !slices.Equal(next.AttachmentIDs, i.AttachmentIDs)
		if equalIncidents(i, &next) && !attachmentsChanged {
			return nil // nothing changed: no new version
		}
		next.Version, next.UpdatedAt = i.Version+1, now
		if err := tx.UpdateIncident(ctx, p.OrgID, &next, i.Version); err != nil {
			return err
		}
		if attachmentsChanged || next.StationID != i.StationID {
			if err := hse.Attach(ctx, tx, p, link(&next), "attachmentIds", next.AttachmentIDs); err != nil {
				return err
			}
		}
		before := Snapshot(i)
		kind, note := EventUpdated, ""
		if next.RegulatorReportedAt != nil && !sameTime(next.RegulatorReportedAt, i.RegulatorReportedAt) {
			kind, note = EventRegulatorReported, next.RegulatorReportedAt.Format(time.RFC3339)
		}
		events := []*hse.Event{newEvent(p, &next, now, "updated", map[string]any{"number": next.Number, "version": next.Version})}
		if next.RegulatoryDeadline != nil && !sameTime(next.RegulatoryDeadline, i.RegulatoryDeadline) {
			events = append(events, deadlineEvent(p, &next, now))
		}
		*i = next
		return record(ctx, tx, p, history(p, i, now, kind, "", "", note), audit(ctx, p, now, "incident.updated", i.ID, before, Snapshot(i)), events...)
	})
	if err != nil {
		return nil, err
	}
	return i, nil
}

// equalIncidents reports whether an edit left the stored fields as they
// were (attachments aside).
func equalIncidents(a, b *Incident) bool {
	return a.StationID == b.StationID && a.Type == b.Type && a.Severity == b.Severity && a.OccurredAt.Equal(b.OccurredAt) &&
		a.Description == b.Description && a.ImmediateActions == b.ImmediateActions && a.Location == b.Location &&
		slices.Equal(a.People, b.People) && a.Record == b.Record && sameTime(a.RegulatorReportedAt, b.RegulatorReportedAt)
}

// SetInvestigation replaces the investigation of an incident under
// investigation or needing action, whose current version is version.
func (s *Service) SetInvestigation(ctx context.Context, p *hse.Principal, id string, version int64, v Investigation) (*Incident, error) {
	if err := p.Require(PermInvestigate); err != nil {
		return nil, err
	}
	v.RootCauses, v.Whys, v.ContributingFactors = orEmpty(slices.Clone(v.RootCauses)), orEmpty(slices.Clone(v.Whys)), orEmpty(slices.Clone(v.ContributingFactors))
	if err := CheckInvestigation(&v); err != nil {
		return nil, err
	}
	var i *Incident
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		var err error
		if i, err = findToChange(ctx, tx, p, id, version); err != nil {
			return err
		}
		if i.Status != StatusUnderInvestigation && i.Status != StatusActionRequired {
			return &hse.Error{Kind: hse.KindConflict, Code: "NOT_UNDER_INVESTIGATION",
				Message: "the incident is " + i.Status + "; its investigation is recorded while it is Under Investigation or Action Required",
				Details: map[string]any{"currentState": i.Status}}
		}
		now := s.now()
		before := Snapshot(i)
		next := *i
		next.Investigation, next.Version, next.UpdatedAt = v, i.Version+1, now
		if err := tx.UpdateIncident(ctx, p.OrgID, &next, i.Version); err != nil {
			return err
		}
		*i = next
		return record(ctx, tx, p, history(p, i, now, EventInvestigationUpdated, "", "", ""),
			audit(ctx, p, now, "incident.investigation_updated", i.ID, before, Snapshot(i)),
			newEvent(p, i, now, "updated", map[string]any{"number": i.Number, "version": i.Version, "investigation": true}))
	})
	if err != nil {
		return nil, err
	}
	return i, nil
}
