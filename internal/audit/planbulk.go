package audit

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// PermStationsUpdate is the station permission applying a suggested
// frequency needs besides audits:schedule: it changes the station.
const PermStationsUpdate hse.Permission = "stations:update"

// MaxBulk is the most audits one bulk scheduling call creates.
const MaxBulk = 500

// BulkInput schedules the plan's due stations in one call.
type BulkInput struct {
	TemplateID string
	// AuditorUserID assigns every audit; empty applies the automatic
	// rule (the station's last auditor, else the earliest member who may
	// conduct audits there).
	AuditorUserID string
	// StationIDs limits the call to these stations (all due ones when
	// empty).
	StationIDs []string
	From, To   string // the plan's range, YYYY-MM-DD; default today and 90 days on
	WindowDays int    // 0: no window (never Missed)
}

// BulkSkip is a station the call left without an audit, and why.
type BulkSkip struct {
	StationID string `json:"stationId"`
	Reason    string `json:"reason"`
}

// BulkResult is what a bulk scheduling did.
type BulkResult struct {
	Created []Audit
	Skipped []BulkSkip
}

// ScheduleFromPlan creates, in one transaction, a Scheduled audit for
// every station the plan lists as due in the range (overdue ones
// included) that has no open audit: on its due date, or today when
// overdue. Stations named in StationIDs that the plan does not list as due
// (or that already have an open audit, or nobody may audit) are reported
// as skipped; nothing is half-done.
func (s *Service) ScheduleFromPlan(ctx context.Context, p *hse.Principal, in BulkInput) (*BulkResult, error) {
	if err := p.Require(PermAuditSchedule); err != nil {
		return nil, err
	}
	today := day(s.now())
	start, end := today, today.AddDate(0, 0, 90)
	var fs []hse.FieldError
	for _, r := range []struct {
		field, v string
		dst      *time.Time
	}{{"from", in.From, &start}, {"to", in.To, &end}} {
		if r.v == "" {
			continue
		}
		d, err := time.Parse(time.DateOnly, r.v)
		if err != nil {
			fs = append(fs, hse.FieldError{Field: r.field, Message: "must be a date YYYY-MM-DD"})
			continue
		}
		*r.dst = d
	}
	if in.TemplateID == "" {
		fs = append(fs, hse.FieldError{Field: "templateId", Message: "is required"})
	}
	if in.WindowDays < 0 || in.WindowDays > MaxWindowDays {
		fs = append(fs, hse.FieldError{Field: "windowDays", Message: "must be 0 (no window) to 366"})
	}
	if len(in.StationIDs) > MaxBulk {
		fs = append(fs, hse.FieldError{Field: "stationIds", Message: fmt.Sprintf("at most %d stations", MaxBulk)})
	}
	if len(fs) == 0 && end.Before(start) {
		fs = append(fs, hse.FieldError{Field: "to", Message: "must not be before from"})
	}
	if len(fs) > 0 {
		return nil, hse.Invalid("invalid bulk scheduling", fs...)
	}
	now := s.now()
	res := &BulkResult{Created: []Audit{}, Skipped: []BulkSkip{}}
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		tmpl, err := tx.FindTemplate(ctx, p.OrgID, in.TemplateID)
		if hse.IsNotFound(err) {
			return hse.NotFound("form template")
		} else if err != nil {
			return err
		}
		if err := notArchived(tmpl); err != nil {
			return err
		}
		v, err := tx.FindLatestPublished(ctx, p.OrgID, in.TemplateID)
		if hse.IsNotFound(err) {
			return hse.Conflict("TEMPLATE_NOT_PUBLISHED", "the template has no published version yet")
		} else if err != nil {
			return err
		}
		restricted, only := !p.Scope.All(), []string(nil)
		if p.Scope.Kind == hse.ScopeStations {
			only = p.Scope.StationIDs
		}
		rows, err := tx.FindPlanRows(ctx, p.OrgID, restricted, only, today)
		if err != nil {
			return err
		}
		last, err := tx.FindLastAuditors(ctx, p.OrgID)
		if err != nil {
			return err
		}
		members, err := tx.FindConductors(ctx, p.OrgID)
		if err != nil {
			return err
		}
		as := &assigner{members: members}
		listed := map[string]bool{}
		for _, r := range rows {
			if len(in.StationIDs) > 0 && !slices.Contains(in.StationIDs, r.Station.ID) {
				continue
			}
			e := PlanFor(r, today)
			due, _ := time.Parse(time.DateOnly, e.DueDate)
			if !e.Overdue && (due.Before(start) || due.After(end)) {
				continue
			}
			listed[r.Station.ID] = true
			if e.ScheduledAuditID != "" {
				res.Skipped = append(res.Skipped, BulkSkip{StationID: r.Station.ID, Reason: "has an open audit already (" + e.ScheduledFor + ")"})
				continue
			}
			auditor := in.AuditorUserID
			if auditor == "" {
				auditor, _ = chooseAuditor(r.Station.ID, last[r.Station.ID], members)
			} else if !as.may(auditor, r.Station.ID) {
				auditor = ""
			}
			if auditor == "" {
				res.Skipped = append(res.Skipped, BulkSkip{StationID: r.Station.ID, Reason: "nobody who may conduct audits there"})
				continue
			}
			if len(res.Created) == MaxBulk {
				return hse.Invalid("too many audits", hse.FieldError{Field: "to", Message: fmt.Sprintf("more than %d stations are due: narrow the range", MaxBulk)})
			}
			if due.Before(today) {
				due = today
			}
			a := &Audit{ID: newID(), StationID: r.Station.ID, StationName: r.Station.Name, Region: r.Station.Region, AuditorUserID: auditor,
				Status: StatusScheduled, ScheduledFor: due, Version: 1, CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now,
				FormVersionID: v.ID, TemplateID: v.TemplateID, TemplateName: tmpl.Name, VersionNumber: v.Number}
			if in.WindowDays > 0 {
				w := due.AddDate(0, 0, in.WindowDays-1)
				a.WindowEnds = &w
			}
			n, err := tx.NextNumber(ctx, p.OrgID, fmt.Sprintf("AUD-%d", due.Year()))
			if err != nil {
				return err
			}
			a.Number = fmt.Sprintf("AUD-%d-%04d", due.Year(), n)
			if err := tx.CreateAudit(ctx, p.OrgID, a); err != nil {
				return err
			}
			if err := tx.Emit(ctx, assignedEvent(p, p.OrgID, now, a)); err != nil {
				return err
			}
			if err := history(ctx, tx, p, p.OrgID, a, now, HistoryScheduled, "", StatusScheduled, "from the audit plan"); err != nil {
				return err
			}
			after := snapshot(a)
			after["fromPlan"] = true
			if err := tx.AppendAudit(ctx, trail(ctx, p, now, "audit.scheduled", "audit", a.ID, nil, after)); err != nil {
				return err
			}
			res.Created = append(res.Created, *a)
		}
		for _, id := range in.StationIDs {
			if !listed[id] {
				res.Skipped = append(res.Skipped, BulkSkip{StationID: id, Reason: "not due in the range (or not an active station you may see)"})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// stationToSchedule maps a station's audit frequency to the schedule's.
var stationToSchedule = map[string]string{Monthly: FrequencyMonthly, Quarterly: FrequencyQuarterly, SemiAnnually: FrequencySemiannually,
	Annually: FrequencyYearly}

// intervalDays approximates a frequency's interval, to tell which of two
// is the more frequent.
func (s *Schedule) intervalDays() int {
	switch s.Frequency {
	case FrequencyWeekly:
		return 7
	case FrequencyDays:
		return s.IntervalDays
	}
	return scheduleMonths[s.Frequency] * 30
}

// AppliedFrequency is what applying a suggested frequency changed.
type AppliedFrequency struct {
	StationID string
	From, To  string
	Reason    string
	Schedules []ScheduleResult
}

// ApplySuggestedFrequency applies the plan's risk-driven suggestion (a
// higher frequency after Major or Critical findings) in one call: the
// station's audit frequency becomes the suggested one, and each active
// schedule of that station that is less frequent takes it, its future
// unstarted audits following. Region schedules, which set the pace of
// every station of the region, are left as they are. 409 NO_SUGGESTION
// when the plan suggests nothing for the station.
func (s *Service) ApplySuggestedFrequency(ctx context.Context, p *hse.Principal, stationID string) (*AppliedFrequency, error) {
	if err := p.Require(PermAuditSchedule); err != nil {
		return nil, err
	}
	if err := p.Require(PermStationsUpdate); err != nil {
		return nil, err
	}
	if !p.Scope.AllowsStation(stationID) {
		return nil, hse.NotFound("station")
	}
	now := s.now()
	today := day(now)
	var out *AppliedFrequency
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		rows, err := tx.FindPlanRows(ctx, p.OrgID, true, []string{stationID}, today)
		if err != nil {
			return err
		}
		if len(rows) != 1 {
			return hse.NotFound("station")
		}
		e := PlanFor(rows[0], today)
		if e.SuggestedFrequency == "" {
			return hse.Conflict("NO_SUGGESTION", "the plan suggests no higher frequency for this station")
		}
		out = &AppliedFrequency{StationID: stationID, From: e.AuditFrequency, To: e.SuggestedFrequency, Reason: e.SuggestionReason, Schedules: []ScheduleResult{}}
		if err := tx.SetStationFrequency(ctx, p.OrgID, stationID, e.SuggestedFrequency, now); err != nil {
			return err
		}
		if err := tx.AppendAudit(ctx, trail(ctx, p, now, "station.frequency_applied", "station", stationID,
			map[string]any{"auditFrequency": e.AuditFrequency}, map[string]any{"auditFrequency": e.SuggestedFrequency, "reason": e.SuggestionReason})); err != nil {
			return err
		}
		all, err := tx.FindSchedules(ctx, p.OrgID)
		if err != nil {
			return err
		}
		to := &Schedule{Frequency: stationToSchedule[e.SuggestedFrequency]}
		for _, sc := range all {
			if !sc.Active || sc.StationID != stationID || sc.intervalDays() <= to.intervalDays() {
				continue
			}
			locked, err := tx.LockSchedule(ctx, p.OrgID, sc.ID)
			if err != nil {
				return err
			}
			before := scheduleSnapshot(locked)
			locked.Frequency, locked.IntervalDays, locked.UpdatedAt = to.Frequency, 0, now
			if err := tx.UpdateSchedule(ctx, p.OrgID, locked); err != nil {
				return err
			}
			if err := tx.AppendAudit(ctx, trail(ctx, p, now, "audit_schedule.updated", "audit_schedule", locked.ID, before, scheduleSnapshot(locked))); err != nil {
				return err
			}
			rep, err := syncSchedule(ctx, tx, p, p.OrgID, locked, today, now, true, false)
			if err != nil {
				return err
			}
			out.Schedules = append(out.Schedules, ScheduleResult{Schedule: locked, Sync: rep})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
