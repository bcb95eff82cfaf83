package audit

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// ProgrammeTx stores audit schedules, the audits they created and the
// history of audits.
type ProgrammeTx interface {
	CreateSchedule(ctx context.Context, orgID string, s *Schedule) error
	FindSchedule(ctx context.Context, orgID, id string) (*Schedule, error)
	// LockSchedule loads a schedule holding its row until the transaction
	// ends, so changes and runs of one schedule queue.
	LockSchedule(ctx context.Context, orgID, id string) (*Schedule, error)
	// FindSchedules lists every schedule, by name.
	FindSchedules(ctx context.Context, orgID string) ([]Schedule, error)
	// UpdateSchedule writes s when its version is still s.Version and
	// bumps it.
	UpdateSchedule(ctx context.Context, orgID string, s *Schedule) error
	// SetScheduleRotation stores the round-robin position (no version
	// bump: it is the server's bookkeeping, not a change of the schedule).
	SetScheduleRotation(ctx context.Context, orgID, id string, rotation int64) error
	// FindScheduleIDsUsing lists the active schedules of a template.
	FindScheduleIDsUsing(ctx context.Context, orgID, templateID string) ([]string, error)
	// FindRegionStations lists the active stations of a region, by code.
	FindRegionStations(ctx context.Context, orgID, region string) ([]StationRef, error)
	// FindScheduleAudits lists the audits a schedule created whose
	// occurrence is on or after from, whatever their status.
	FindScheduleAudits(ctx context.Context, orgID, scheduleID string, from time.Time) ([]Audit, error)
	// ClearOccurrences detaches audits from their occurrence before they
	// move, so moves never collide on the one-audit-per-occurrence key.
	ClearOccurrences(ctx context.Context, orgID string, ids []string) error
	FindConductors(ctx context.Context, orgID string) ([]Conductor, error)
	// FindLastAuditors maps each active station to the auditor of its
	// last audit that was not cancelled.
	FindLastAuditors(ctx context.Context, orgID string) (map[string]string, error)
	// SetStationFrequency changes a station's audit frequency, bumping its
	// version.
	SetStationFrequency(ctx context.Context, orgID, stationID, frequency string, at time.Time) error

	AppendAuditHistory(ctx context.Context, orgID string, e *hse.HistoryEntry) error
	FindAuditHistory(ctx context.Context, orgID, auditID string) ([]hse.HistoryEntry, error)
}

// History kinds of an audit.
const (
	HistoryScheduled   = "scheduled"
	HistoryStatus      = "status"
	HistoryRescheduled = "rescheduled"
	HistoryReassigned  = "reassigned"
	HistoryFollowed    = "schedule_changed"
	HistoryMissed      = "missed"
)

// history appends one entry of an audit's history; p nil is the system.
func history(ctx context.Context, tx Tx, p *hse.Principal, orgID string, a *Audit, at time.Time, kind, from, to, note string) error {
	e := &hse.HistoryEntry{ID: newID(), RecordID: a.ID, At: at, Kind: kind, FromStatus: from, ToStatus: to, Note: note}
	if p != nil {
		e.ActorUserID = p.UserID
	}
	return tx.AppendAuditHistory(ctx, orgID, e)
}

// targets lists the stations a schedule audits: its station when active,
// or the active stations of its region.
func targets(ctx context.Context, tx Tx, orgID string, sc *Schedule) ([]StationRef, error) {
	if sc.Region != "" {
		return tx.FindRegionStations(ctx, orgID, sc.Region)
	}
	st, err := tx.FindStation(ctx, orgID, sc.StationID)
	if err != nil {
		return nil, err
	}
	if !st.Active {
		return nil, nil
	}
	return []StationRef{*st}, nil
}

// assigner applies a schedule's assignee rule.
type assigner struct {
	sc      *Schedule
	members []Conductor
	rotated bool
}

func (as *assigner) may(userID, stationID string) bool {
	for _, m := range as.members {
		if m.UserID == userID {
			return m.Access.Permissions.Has(PermAuditConduct) && m.Access.Scope.AllowsStation(stationID)
		}
	}
	return false
}

// pick returns the auditor of the schedule's next audit at a station, or
// "" with the reason when nobody the rule names may conduct it.
func (as *assigner) pick(st StationRef) (string, string) {
	switch as.sc.AssigneeRule {
	case AssignNamed:
		if as.may(as.sc.AuditorUserID, st.ID) {
			return as.sc.AuditorUserID, ""
		}
		return "", "the named auditor may not conduct audits at " + st.Code
	case AssignStationManager:
		for _, m := range st.ManagerUserIDs {
			if as.may(m, st.ID) {
				return m, ""
			}
		}
		return "", "no manager of " + st.Code + " may conduct audits (their role needs audits:conduct)"
	case AssignRoundRobin:
		n := int64(len(as.sc.GroupUserIDs))
		for i := int64(0); i < n; i++ {
			id := as.sc.GroupUserIDs[(as.sc.Rotation+i)%n]
			if as.may(id, st.ID) {
				as.sc.Rotation += i + 1
				as.rotated = true
				return id, ""
			}
		}
		return "", "nobody of the group may conduct audits at " + st.Code
	}
	return "", "unknown assignee rule"
}

// syncSchedule brings a schedule's audits in line with it for the
// occurrences from today to today + lead days. It creates the missing
// ones. When follow is set (the schedule changed), the future unstarted
// audits of each station move onto the new occurrences in order, taking
// the template's latest version and, when reassign is set, a new auditor;
// those left over, and those of stations no longer targeted, are
// cancelled. Audits started, completed, missed or cancelled never change.
// p is nil for the scheduler job.
func syncSchedule(ctx context.Context, tx Tx, p *hse.Principal, orgID string, sc *Schedule, today, now time.Time, follow, reassign bool) (SyncReport, error) {
	rep := SyncReport{Created: []string{}, Moved: []string{}, Cancelled: []string{}, Problems: []string{}}
	existing, err := tx.FindScheduleAudits(ctx, orgID, sc.ID, today)
	if err != nil {
		return rep, err
	}
	// open are the future unstarted audits by station, in date order.
	open := map[string][]Audit{}
	taken := map[string]bool{}
	for _, a := range existing {
		if a.Status == StatusScheduled && follow {
			open[a.StationID] = append(open[a.StationID], a)
			continue
		}
		taken[a.StationID+"/"+dateOf(*a.OccurrenceDate)] = true
	}
	var stations []StationRef
	var version *FormVersion
	var tmpl *Template
	if sc.Active {
		if stations, err = targets(ctx, tx, orgID, sc); err != nil {
			return rep, err
		}
		if tmpl, err = tx.FindTemplate(ctx, orgID, sc.TemplateID); err != nil {
			return rep, err
		}
		if tmpl.ArchivedAt != nil {
			rep.Problems = append(rep.Problems, "the template is archived")
			stations = nil
		} else if version, err = tx.FindLatestPublished(ctx, orgID, sc.TemplateID); hse.IsNotFound(err) {
			rep.Problems = append(rep.Problems, "the template has no published version")
			stations = nil
		} else if err != nil {
			return rep, err
		}
	}
	members, err := tx.FindConductors(ctx, orgID)
	if err != nil {
		return rep, err
	}
	as := &assigner{sc: sc, members: members}
	dates := sc.Occurrences(maxTime(today, day(sc.StartDate)), today.AddDate(0, 0, sc.LeadDays))
	if sc.Active && sc.Region != "" && len(stations) == 0 && tmpl != nil && tmpl.ArchivedAt == nil {
		rep.Problems = append(rep.Problems, "no active station in the region "+sc.Region)
	}
	// A person saving a schedule learns at once when it would create an
	// unreasonable number of audits; the daily run only adds a day's worth.
	if p != nil && len(dates)*len(stations) > MaxAhead {
		return rep, hse.Invalid("too many audits ahead", hse.FieldError{Field: "leadDays", Message: fmt.Sprintf(
			"the schedule would keep %d audits ahead (%d stations × %d occurrences), more than %d: shorten leadDays or lower the frequency",
			len(dates)*len(stations), len(stations), len(dates), MaxAhead)})
	}
	targeted := map[string]bool{}
	// Occurrences nobody may conduct are reported once per reason.
	unassigned, first, whys := map[string]int{}, map[string]time.Time{}, []string(nil)
	for _, st := range stations {
		targeted[st.ID] = true
		olds := open[st.ID]
		slices.SortFunc(olds, func(a, b Audit) int { return cmp.Compare(a.OccurrenceDate.Unix(), b.OccurrenceDate.Unix()) })
		var ids []string
		for _, a := range olds {
			ids = append(ids, a.ID)
		}
		if len(ids) > 0 {
			if err := tx.ClearOccurrences(ctx, orgID, ids); err != nil {
				return rep, err
			}
		}
		i := 0
		for _, d := range dates {
			if taken[st.ID+"/"+dateOf(d)] {
				continue
			}
			if i < len(olds) {
				a := &olds[i]
				i++
				if err := moveAudit(ctx, tx, p, orgID, sc, as, st, a, d, version, tmpl, now, reassign, &rep); err != nil {
					return rep, err
				}
				continue
			}
			why, err := createOccurrence(ctx, tx, p, orgID, sc, as, st, d, version, tmpl, now, &rep)
			if err != nil {
				return rep, err
			}
			if why != "" {
				if unassigned[why] == 0 {
					whys = append(whys, why)
					first[why] = d
				}
				unassigned[why]++
			}
		}
		for ; i < len(olds); i++ {
			if err := cancelOccurrence(ctx, tx, p, orgID, &olds[i], now, "the audit schedule changed and has no occurrence for it", &rep); err != nil {
				return rep, err
			}
		}
	}
	for stationID, olds := range open {
		if targeted[stationID] {
			continue
		}
		for i := range olds {
			reason := "the audit schedule no longer covers this station"
			if !sc.Active {
				reason = "the audit schedule was ended"
			}
			if err := cancelOccurrence(ctx, tx, p, orgID, &olds[i], now, reason, &rep); err != nil {
				return rep, err
			}
		}
	}
	for _, why := range whys {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %d occurrences from %s get no audit", why, unassigned[why], dateOf(first[why])))
	}
	if as.rotated {
		if err := tx.SetScheduleRotation(ctx, orgID, sc.ID, sc.Rotation); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// actorTrail is an audit-trail entry of a principal's change, or of the
// system's when p is nil.
func actorTrail(ctx context.Context, p *hse.Principal, orgID string, at time.Time, action string, a *Audit, before, after map[string]any) *hse.AuditEntry {
	if p != nil {
		return trail(ctx, p, at, action, "audit", a.ID, before, after)
	}
	return &hse.AuditEntry{ID: newID(), OrgID: orgID, OccurredAt: at, ActorEmail: SystemActor, Action: action, EntityType: "audit",
		EntityID: a.ID, Before: before, After: after}
}

// createOccurrence creates the Scheduled audit of one occurrence at one
// station; when nobody may conduct it, it returns why instead.
func createOccurrence(ctx context.Context, tx Tx, p *hse.Principal, orgID string, sc *Schedule, as *assigner, st StationRef,
	d time.Time, v *FormVersion, tmpl *Template, now time.Time, rep *SyncReport) (string, error) {
	auditor, why := as.pick(st)
	if auditor == "" {
		return why, nil
	}
	occ, end := d, sc.WindowEnd(d)
	a := &Audit{ID: newID(), StationID: st.ID, StationName: st.Name, Region: st.Region, AuditorUserID: auditor, Status: StatusScheduled,
		ScheduledFor: d, Version: 1, CreatedBy: sc.CreatedBy, CreatedAt: now, UpdatedAt: now, FormVersionID: v.ID, TemplateID: v.TemplateID,
		TemplateName: tmpl.Name, VersionNumber: v.Number, ScheduleID: sc.ID, OccurrenceDate: &occ, WindowEnds: &end}
	if p != nil {
		a.CreatedBy = p.UserID
	}
	n, err := tx.NextNumber(ctx, orgID, fmt.Sprintf("AUD-%d", d.Year()))
	if err != nil {
		return "", err
	}
	a.Number = fmt.Sprintf("AUD-%d-%04d", d.Year(), n)
	if err := tx.CreateAudit(ctx, orgID, a); err != nil {
		return "", err
	}
	if err := tx.Emit(ctx, assignedEvent(p, orgID, now, a)); err != nil {
		return "", err
	}
	if err := history(ctx, tx, p, orgID, a, now, HistoryScheduled, "", StatusScheduled, "by the audit schedule "+sc.Name); err != nil {
		return "", err
	}
	after := snapshot(a)
	after["scheduleId"] = sc.ID
	rep.Created = append(rep.Created, a.ID)
	return "", tx.AppendAudit(ctx, actorTrail(ctx, p, orgID, now, "audit.scheduled", a, nil, after))
}

// moveAudit makes a future unstarted audit follow its changed schedule.
func moveAudit(ctx context.Context, tx Tx, p *hse.Principal, orgID string, sc *Schedule, as *assigner, st StationRef, a *Audit,
	d time.Time, v *FormVersion, tmpl *Template, now time.Time, reassign bool, rep *SyncReport) error {
	before := snapshot(a)
	oldDate, oldAuditor := a.ScheduledFor, a.AuditorUserID
	if reassign || !as.may(a.AuditorUserID, st.ID) {
		auditor, why := as.pick(st)
		if auditor == "" {
			rep.Problems = append(rep.Problems, dateOf(d)+": "+why+"; the audit keeps its auditor")
		} else {
			a.AuditorUserID = auditor
		}
	}
	occ, end := d, sc.WindowEnd(d)
	a.ScheduledFor, a.OccurrenceDate, a.WindowEnds = d, &occ, &end
	a.FormVersionID, a.TemplateID, a.TemplateName, a.VersionNumber = v.ID, v.TemplateID, tmpl.Name, v.Number
	a.UpdatedAt = now
	if err := tx.UpdateAudit(ctx, orgID, a); err != nil {
		return err
	}
	note := fmt.Sprintf("date %s → %s", dateOf(oldDate), dateOf(d))
	if a.AuditorUserID != oldAuditor {
		note += "; auditor " + oldAuditor + " → " + a.AuditorUserID
		if err := tx.Emit(ctx, assignedEvent(p, orgID, now, a)); err != nil {
			return err
		}
	}
	if err := history(ctx, tx, p, orgID, a, now, HistoryFollowed, "", "", note); err != nil {
		return err
	}
	rep.Moved = append(rep.Moved, a.ID)
	return tx.AppendAudit(ctx, actorTrail(ctx, p, orgID, now, "audit.schedule_followed", a, before, snapshot(a)))
}

// cancelOccurrence cancels a future unstarted audit its schedule no
// longer has an occurrence for.
func cancelOccurrence(ctx context.Context, tx Tx, p *hse.Principal, orgID string, a *Audit, now time.Time, reason string, rep *SyncReport) error {
	before := snapshot(a)
	at := now
	// Detached from its occurrence: a move may have taken that date.
	a.Status, a.CancelledAt, a.CancelReason, a.UpdatedAt, a.OccurrenceDate = StatusCancelled, &at, reason, now, nil
	if err := tx.UpdateAudit(ctx, orgID, a); err != nil {
		return err
	}
	if err := tx.Emit(ctx, hse.NewEvent(p, orgID, now, EventStatusChanged, "audit", a.ID,
		hse.StatusChange(a.Number, StatusScheduled, StatusCancelled, map[string]any{"stationId": a.StationID}))); err != nil {
		return err
	}
	if err := history(ctx, tx, p, orgID, a, now, HistoryStatus, StatusScheduled, StatusCancelled, reason); err != nil {
		return err
	}
	rep.Cancelled = append(rep.Cancelled, a.ID)
	return tx.AppendAudit(ctx, actorTrail(ctx, p, orgID, now, "audit.cancelled", a, before, snapshot(a)))
}
