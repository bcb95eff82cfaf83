package audit

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Schedule frequencies of an audit programme. FrequencyDays repeats every
// IntervalDays days.
const (
	FrequencyWeekly       = "weekly"
	FrequencyMonthly      = "monthly"
	FrequencyQuarterly    = "quarterly"
	FrequencySemiannually = "semiannually"
	FrequencyYearly       = "yearly"
	FrequencyDays         = "days"
)

// Assignee rules of a schedule.
const (
	AssignNamed          = "named"           // AuditorUserID
	AssignStationManager = "station_manager" // the first of the station's managers who may conduct audits there
	AssignRoundRobin     = "round_robin"     // GroupUserIDs in turn
)

// Limits of a schedule.
const (
	MaxLeadDays     = 366
	MaxWindowDays   = 366
	MaxIntervalDays = 3660
	MaxGroupSize    = 50
	// MaxAhead bounds the audits a schedule keeps ahead (stations ×
	// occurrences within the lead time): a 40-station region weekly,
	// twelve weeks ahead, is 480.
	MaxAhead = 500
	// DefaultLeadDays is how far ahead a schedule creates its audits when
	// it says nothing; DefaultWindowDays how long each may be started in.
	DefaultLeadDays   = 30
	DefaultWindowDays = 7
)

// scheduleMonths is the calendar interval of each monthly-based frequency.
var scheduleMonths = map[string]int{FrequencyMonthly: 1, FrequencyQuarterly: 3, FrequencySemiannually: 6, FrequencyYearly: 12}

// Schedule is a recurring audit programme: one station, or every active
// station of a region, audited against one template on a frequency. Its
// audits are created ahead (LeadDays) on the occurrences StartDate + k ×
// interval, each to be started within WindowDays of its date, otherwise it
// becomes Missed.
type Schedule struct {
	ID            string
	Name          string
	StationID     string // one of StationID and Region
	Region        string
	TemplateID    string
	Frequency     string
	IntervalDays  int // FrequencyDays only
	StartDate     time.Time
	EndDate       *time.Time
	WindowDays    int
	LeadDays      int
	AssigneeRule  string
	AuditorUserID string   // AssignNamed
	GroupUserIDs  []string // AssignRoundRobin
	// Rotation counts the audits round-robin assigned so far: the next
	// one goes to GroupUserIDs[Rotation % len].
	Rotation  int64
	Active    bool
	Version   int64
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Occurrence returns the k-th date of the schedule (k from 0). Monthly
// frequencies count from the start date, clamped to the month's end, so
// a programme starting on 31 January falls on 28/29 February then 31
// March, never drifting.
func (s *Schedule) Occurrence(k int) time.Time {
	start := day(s.StartDate)
	switch s.Frequency {
	case FrequencyWeekly:
		return start.AddDate(0, 0, 7*k)
	case FrequencyDays:
		return start.AddDate(0, 0, s.IntervalDays*k)
	}
	return addMonths(start, scheduleMonths[s.Frequency]*k)
}

// Occurrences lists the schedule's dates in [from, to], none after its
// end date.
func (s *Schedule) Occurrences(from, to time.Time) []time.Time {
	from, to = day(from), day(to)
	if s.EndDate != nil && day(*s.EndDate).Before(to) {
		to = day(*s.EndDate)
	}
	var out []time.Time
	// 200,000 steps bound the loop whatever the data (a daily schedule
	// over five centuries).
	for k := 0; k < 200_000; k++ {
		d := s.Occurrence(k)
		if d.After(to) {
			break
		}
		if !d.Before(from) {
			out = append(out, d)
		}
	}
	return out
}

// WindowEnd is the last day an audit of the occurrence d may be started.
func (s *Schedule) WindowEnd(d time.Time) time.Time { return d.AddDate(0, 0, max(s.WindowDays, 1)-1) }

// ProgrammeInput creates or changes a schedule; on a change, nil fields
// keep their value.
type ProgrammeInput struct {
	Name          *string
	StationID     *string
	Region        *string
	TemplateID    *string
	Frequency     *string
	IntervalDays  *int
	StartDate     *string // YYYY-MM-DD
	EndDate       *string // YYYY-MM-DD, "" for none
	WindowDays    *int
	LeadDays      *int
	AssigneeRule  *string
	AuditorUserID *string
	GroupUserIDs  []string // nil keeps
	Active        *bool
}

// apply writes the input onto s and checks the result.
func (in *ProgrammeInput) apply(s *Schedule) error {
	var fs []hse.FieldError
	bad := func(field, msg string) { fs = append(fs, hse.FieldError{Field: field, Message: msg}) }
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	if in.Name != nil {
		s.Name = checkText("name", *in.Name, 2, 200, &fs)
	}
	if in.StationID != nil || in.Region != nil {
		// The target is one or the other: naming one clears the other.
		s.StationID, s.Region = "", ""
		set(&s.StationID, in.StationID)
		if in.Region != nil {
			s.Region = checkText("region", *in.Region, 0, 100, &fs)
		}
	}
	set(&s.TemplateID, in.TemplateID)
	set(&s.Frequency, in.Frequency)
	set(&s.AssigneeRule, in.AssigneeRule)
	set(&s.AuditorUserID, in.AuditorUserID)
	for _, n := range []struct {
		dst *int
		v   *int
	}{{&s.IntervalDays, in.IntervalDays}, {&s.WindowDays, in.WindowDays}, {&s.LeadDays, in.LeadDays}} {
		if n.v != nil {
			*n.dst = *n.v
		}
	}
	if in.GroupUserIDs != nil {
		s.GroupUserIDs = slices.Clone(in.GroupUserIDs)
	}
	if in.Active != nil {
		s.Active = *in.Active
	}
	if in.StartDate != nil {
		d, err := time.Parse(time.DateOnly, *in.StartDate)
		if err != nil {
			bad("startDate", "must be a date YYYY-MM-DD")
		}
		s.StartDate = d
	}
	if in.EndDate != nil {
		s.EndDate = nil
		if *in.EndDate != "" {
			d, err := time.Parse(time.DateOnly, *in.EndDate)
			if err != nil {
				bad("endDate", "must be a date YYYY-MM-DD or empty")
			} else {
				s.EndDate = &d
			}
		}
	}
	if (s.StationID == "") == (s.Region == "") {
		bad("stationId", "name either a station (stationId) or a region, not both")
	}
	if s.TemplateID == "" {
		bad("templateId", "is required")
	}
	switch s.Frequency {
	case FrequencyDays:
		if s.IntervalDays < 1 || s.IntervalDays > MaxIntervalDays {
			bad("intervalDays", "must be 1 to 3660 days with frequency days")
		}
	case FrequencyWeekly, FrequencyMonthly, FrequencyQuarterly, FrequencySemiannually, FrequencyYearly:
		s.IntervalDays = 0
	default:
		bad("frequency", "must be weekly, monthly, quarterly, semiannually, yearly or days")
	}
	if s.WindowDays < 1 || s.WindowDays > MaxWindowDays {
		bad("windowDays", "must be 1 to 366")
	}
	if s.LeadDays < 1 || s.LeadDays > MaxLeadDays {
		bad("leadDays", "must be 1 to 366")
	}
	if s.EndDate != nil && s.EndDate.Before(s.StartDate) {
		bad("endDate", "must not be before startDate")
	}
	switch s.AssigneeRule {
	case AssignNamed:
		if s.AuditorUserID == "" {
			bad("auditorUserId", "is required with the named rule")
		}
		s.GroupUserIDs = nil
	case AssignStationManager:
		s.AuditorUserID, s.GroupUserIDs = "", nil
	case AssignRoundRobin:
		s.AuditorUserID = ""
		if len(s.GroupUserIDs) < 1 || len(s.GroupUserIDs) > MaxGroupSize {
			bad("groupUserIds", "round_robin needs 1 to 50 members")
		}
		seen := map[string]bool{}
		for i, id := range s.GroupUserIDs {
			if id == "" || seen[id] {
				bad("groupUserIds", "member "+strconv.Itoa(i)+" is empty or repeated")
			}
			seen[id] = true
		}
	default:
		bad("assigneeRule", "must be named, station_manager or round_robin")
	}
	if len(fs) > 0 {
		return hse.Invalid("invalid audit schedule", fs...)
	}
	return nil
}

// ScheduleResult is a schedule with what saving it did to its audits.
type ScheduleResult struct {
	Schedule *Schedule
	Sync     SyncReport
}

// SyncReport says what bringing a schedule's audits in line did.
type SyncReport struct {
	Created   []string `json:"created" doc:"ids of the audits created"`
	Moved     []string `json:"moved" doc:"ids of future unstarted audits that followed the change"`
	Cancelled []string `json:"cancelled" doc:"ids of future unstarted audits the change left without an occurrence"`
	// Problems say why an occurrence got no audit (nobody may conduct it,
	// no published version, ...).
	Problems []string `json:"problems"`
}

// Schedules lists the organization's audit schedules; a station-scoped
// caller sees those of their stations.
func (s *Service) Schedules(ctx context.Context, p *hse.Principal) ([]Schedule, error) {
	if err := p.Require(PermAuditsRead); err != nil {
		return nil, err
	}
	var out []Schedule
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		all, err := tx.FindSchedules(ctx, p.OrgID)
		if err != nil {
			return err
		}
		out = []Schedule{}
		for _, sc := range all {
			if p.Scope.All() || (sc.StationID != "" && p.Scope.AllowsStation(sc.StationID)) {
				out = append(out, sc)
			}
		}
		return nil
	})
	return out, err
}

// ScheduleByID returns one schedule the caller may see.
func (s *Service) ScheduleByID(ctx context.Context, p *hse.Principal, id string) (*Schedule, error) {
	if err := p.Require(PermAuditsRead); err != nil {
		return nil, err
	}
	var sc *Schedule
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		var err error
		sc, err = findSchedule(ctx, tx, p, id, false)
		return err
	})
	return sc, err
}

func findSchedule(ctx context.Context, tx Tx, p *hse.Principal, id string, lock bool) (*Schedule, error) {
	var sc *Schedule
	var err error
	if lock {
		sc, err = tx.LockSchedule(ctx, p.OrgID, id)
	} else {
		sc, err = tx.FindSchedule(ctx, p.OrgID, id)
	}
	if err != nil {
		return nil, err
	}
	if !p.Scope.All() && (sc.StationID == "" || !p.Scope.AllowsStation(sc.StationID)) {
		return nil, hse.NotFound("audit schedule")
	}
	return sc, nil
}

// scheduleSnapshot is a schedule as the audit trail records it.
func scheduleSnapshot(sc *Schedule) map[string]any {
	m := map[string]any{"name": sc.Name, "stationId": sc.StationID, "region": sc.Region, "templateId": sc.TemplateID,
		"frequency": sc.Frequency, "intervalDays": sc.IntervalDays, "startDate": dateOf(sc.StartDate), "windowDays": sc.WindowDays,
		"leadDays": sc.LeadDays, "assigneeRule": sc.AssigneeRule, "auditorUserId": sc.AuditorUserID, "groupUserIds": sc.GroupUserIDs,
		"active": sc.Active, "version": sc.Version}
	if sc.EndDate != nil {
		m["endDate"] = dateOf(*sc.EndDate)
	}
	return m
}

// checkScheduleRefs checks what a schedule names: an active station in
// scope (or a region), a template in use with a published version, and
// the members of its rule, who must hold audits:conduct.
func checkScheduleRefs(ctx context.Context, tx Tx, p *hse.Principal, sc *Schedule) error {
	if sc.StationID != "" {
		if !p.Scope.AllowsStation(sc.StationID) {
			return hse.NotFound("station")
		}
		if _, err := tx.FindStation(ctx, p.OrgID, sc.StationID); err != nil {
			return err
		}
	} else if !p.Scope.All() {
		return hse.Forbidden("SCOPE_REGION", "a station-scoped member can schedule only their own stations, not a region")
	}
	t, err := tx.FindTemplate(ctx, p.OrgID, sc.TemplateID)
	if hse.IsNotFound(err) {
		return hse.NotFound("form template")
	} else if err != nil {
		return err
	}
	if err := notArchived(t); err != nil {
		return err
	}
	if t.PublishedVersionID == "" {
		return hse.Conflict("TEMPLATE_NOT_PUBLISHED", "the template has no published version yet")
	}
	var who []string
	field := "auditorUserId"
	switch sc.AssigneeRule {
	case AssignNamed:
		who = []string{sc.AuditorUserID}
	case AssignRoundRobin:
		who, field = sc.GroupUserIDs, "groupUserIds"
	}
	for _, id := range who {
		acc, err := tx.FindMemberAccess(ctx, p.OrgID, id)
		if hse.IsNotFound(err) || (err == nil && !acc.Permissions.Has(PermAuditConduct)) {
			return hse.Invalid("the auditor cannot conduct audits", hse.FieldError{Field: field,
				Message: "every auditor must be a member whose role holds audits:conduct"})
		} else if err != nil {
			return err
		}
	}
	return nil
}

// CreateSchedule creates an audit programme and, in the same
// transaction, the Scheduled audits of its occurrences within the lead
// time.
func (s *Service) CreateSchedule(ctx context.Context, p *hse.Principal, in ProgrammeInput) (*ScheduleResult, error) {
	if err := p.Require(PermAuditSchedule); err != nil {
		return nil, err
	}
	now := s.now()
	sc := &Schedule{ID: newID(), WindowDays: DefaultWindowDays, LeadDays: DefaultLeadDays, Active: true, Version: 1,
		CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now, StartDate: day(now)}
	if err := in.apply(sc); err != nil {
		return nil, err
	}
	res := &ScheduleResult{Schedule: sc}
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		if err := checkScheduleRefs(ctx, tx, p, sc); err != nil {
			return err
		}
		if err := tx.CreateSchedule(ctx, p.OrgID, sc); err != nil {
			return err
		}
		if err := tx.AppendAudit(ctx, trail(ctx, p, now, "audit_schedule.created", "audit_schedule", sc.ID, nil, scheduleSnapshot(sc))); err != nil {
			return err
		}
		var err error
		res.Sync, err = syncSchedule(ctx, tx, p, p.OrgID, sc, day(now), now, false, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// UpdateSchedule changes a schedule. Its future unstarted audits follow
// the change (new dates, template version, auditor when the rule
// changed); audits started, done, missed or in the past stay as they
// are. Ending it (active false) cancels its future unstarted audits.
func (s *Service) UpdateSchedule(ctx context.Context, p *hse.Principal, id string, in ProgrammeInput, ifMatch int64) (*ScheduleResult, error) {
	if err := p.Require(PermAuditSchedule); err != nil {
		return nil, err
	}
	now := s.now()
	res := &ScheduleResult{}
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		sc, err := findSchedule(ctx, tx, p, id, true)
		if err != nil {
			return err
		}
		if err := stale("the audit schedule", ifMatch, sc.Version); err != nil {
			return err
		}
		before := scheduleSnapshot(sc)
		oldRule, oldAuditor, oldGroup := sc.AssigneeRule, sc.AuditorUserID, slices.Clone(sc.GroupUserIDs)
		if err := in.apply(sc); err != nil {
			return err
		}
		if sc.Active {
			if err := checkScheduleRefs(ctx, tx, p, sc); err != nil {
				return err
			}
		}
		reassign := oldRule != sc.AssigneeRule || oldAuditor != sc.AuditorUserID || !slices.Equal(oldGroup, sc.GroupUserIDs)
		sc.UpdatedAt = now
		if err := tx.UpdateSchedule(ctx, p.OrgID, sc); err != nil {
			return err
		}
		res.Schedule = sc
		if err := tx.AppendAudit(ctx, trail(ctx, p, now, "audit_schedule.updated", "audit_schedule", sc.ID, before, scheduleSnapshot(sc))); err != nil {
			return err
		}
		res.Sync, err = syncSchedule(ctx, tx, p, p.OrgID, sc, day(now), now, true, reassign)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
