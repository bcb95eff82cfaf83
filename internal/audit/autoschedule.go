package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/checklist"
	"github.com/hsedigital/hse/internal/hse"
)

// Automatic scheduling: once a day, for every active (not suspended)
// organization whose settings turn autoScheduleAudits on, every active
// station whose plan (PlanFor: its frequency and its last completed audit)
// falls due within the coming period and that has no open (Scheduled or
// In Progress) audit gets one Scheduled audit, numbered like any other.
//
// The rules it applies:
//
//   - Date: the due date, or today when the station is already overdue.
//     Days are UTC days; the slot's date is "today".
//   - Template: the organization's default template, which is the starter
//     "Monthly HSE Inspection" (by its starter name) while it has a
//     published version, otherwise the most recently published template
//     of kind audit. An organization with neither gets nothing scheduled
//     (the run logs it).
//   - Auditor: the auditor of the station's last audit (the most recently
//     scheduled one that was not cancelled) when they are still a member
//     whose role holds audits:conduct for that station. The audits table
//     requires an auditor, so otherwise it is the earliest member to have
//     joined (then the lowest user id) who holds audits:conduct for the
//     station; the trail entry records which rule chose them. A station
//     nobody may audit is skipped.
//   - Record: the audit's created_by must name a user, so it is the
//     assigned auditor; the audit-trail entry, in the same transaction, has
//     no user and the actor "system".
//
// Each organization's work runs in transactions scoped to it (row-level
// security on PostgreSQL); only the list of organizations that turned the
// setting on is read with the platform scope. Each audit is created in its
// own transaction that first takes the number (queueing behind any other
// creation in the series) and then checks again that the station has no
// open audit, so a run repeated for the same day creates nothing more.

// DefaultHorizonDays is the coming period a run schedules for.
const DefaultHorizonDays = 30

// SystemActor is the actor e-mail of changes made by the platform itself.
const SystemActor = "system"

// Assignment rules recorded in the audit trail.
const (
	AssignedLastAuditor = "auditor of the station's last audit"
	AssignedFirstMember = "earliest member who may conduct audits at the station"
)

// Conductor is a member with their access, as the automatic scheduler
// considers them for assignment.
type Conductor struct {
	UserID string
	Access MemberAccess
}

// ScheduleStore is what automatic scheduling needs of the database.
type ScheduleStore interface {
	// AutoScheduleOrgs lists the active organizations whose settings turn
	// automatic scheduling on, in a stable order (a platform-scoped read).
	AutoScheduleOrgs(ctx context.Context) ([]string, error)
	// ProgrammeOrgs lists the active organizations with an active audit
	// schedule or a Scheduled audit whose window ended before today (a
	// platform-scoped read).
	ProgrammeOrgs(ctx context.Context, today time.Time) ([]string, error)
	// InScheduleTx runs fn in one transaction scoped as sc.
	InScheduleTx(ctx context.Context, sc hse.TxScope, fn func(ScheduleTx) error) error
}

// ScheduleTx is an audit transaction with the reads of automatic
// scheduling.
type ScheduleTx interface {
	Tx
	// FindLastAuditors maps each station of the organization to the
	// auditor of its last audit that was not cancelled.
	FindLastAuditors(ctx context.Context, orgID string) (map[string]string, error)
	// FindConductors lists the organization's members with their access,
	// earliest to join first, then by user id.
	FindConductors(ctx context.Context, orgID string) ([]Conductor, error)
	// FindDefaultTemplate returns the published version automatic
	// scheduling uses (see the rule above); a not-found error when there
	// is none.
	FindDefaultTemplate(ctx context.Context, orgID, starterName string) (*FormVersion, error)
	// FindLapsedAudits lists the Scheduled audits whose window ended
	// before today.
	FindLapsedAudits(ctx context.Context, orgID string, today time.Time) ([]Audit, error)
}

// CronSchedule gives the next slot of a schedule (cron.Schedule).
type CronSchedule interface {
	Next(time.Time) time.Time
}

// AutoScheduler creates the scheduled audits of the organizations that
// turned automatic scheduling on. Every replica runs it; a lock shared
// through the database and the last slot done, recorded in app_meta, make
// each slot run once.
type AutoScheduler struct {
	Store    ScheduleStore
	Slots    hse.SlotStore
	Schedule CronSchedule
	// HorizonDays is the coming period (DefaultHorizonDays when 0).
	HorizonDays int
	Log         *slog.Logger
	Now         func() time.Time
}

// AutoScheduled is one audit created by a run.
type AutoScheduled struct {
	OrgID      string
	AuditID    string
	Number     string
	StationID  string
	AuditorID  string
	Assignment string
	Date       string
}

// AutoScheduleReport is what one run did.
type AutoScheduleReport struct {
	Organizations int
	Created       []AutoScheduled
	// Skipped counts the due stations left without an audit: no template,
	// nobody who may audit them, or an open audit that appeared meanwhile.
	Skipped int
}

func (s *AutoScheduler) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func (s *AutoScheduler) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Run waits for each slot of the schedule and schedules audits, until ctx
// ends.
func (s *AutoScheduler) Run(ctx context.Context) {
	for {
		next := s.Schedule.Next(s.now())
		timer := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		if _, err := s.RunSlot(ctx, next); err != nil {
			s.log().ErrorContext(ctx, "automatic audit scheduling failed", "slot", next, "err", err)
		}
	}
}

// autoScheduleLock names the shared lock; autoScheduleSlotKey records in
// app_meta the last slot done.
const (
	autoScheduleLock    = "audit-autoschedule"
	autoScheduleSlotKey = "audits.autoschedule.last_slot"
)

// RunSlot schedules the audits of one schedule slot unless another replica
// holds the lock or already did this slot. It reports whether it ran.
func (s *AutoScheduler) RunSlot(ctx context.Context, slot time.Time) (bool, error) {
	release, ok, err := s.Slots.TryLock(ctx, autoScheduleLock)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, nil // another replica is running this slot
	}
	defer release()
	slotID := slot.UTC().Format(time.RFC3339)
	if last, err := s.Slots.Meta(ctx, autoScheduleSlotKey); err != nil {
		return false, err
	} else if last >= slotID {
		return false, nil // done already
	}
	rep, err := s.ScheduleDue(ctx, slot, s.HorizonDays)
	if err != nil {
		return true, err
	}
	prog, err := s.RunProgrammes(ctx, slot)
	if err != nil {
		return true, err
	}
	s.log().InfoContext(ctx, "audit programmes done", "slot", slotID, "organizations", prog.Organizations,
		"created", prog.Created, "missed", prog.Missed, "problems", prog.Problems)
	if err := s.Slots.SetMeta(ctx, autoScheduleSlotKey, slotID); err != nil {
		return true, err
	}
	s.log().InfoContext(ctx, "automatic audit scheduling done", "slot", slotID,
		"organizations", rep.Organizations, "created", len(rep.Created), "skipped", rep.Skipped)
	return true, nil
}

// ScheduleDue runs the scheduling for the day of today, looking horizonDays
// ahead (DefaultHorizonDays when 0 or less). An organization that fails is
// logged and the others still run; the errors are returned joined.
func (s *AutoScheduler) ScheduleDue(ctx context.Context, today time.Time, horizonDays int) (AutoScheduleReport, error) {
	if horizonDays <= 0 {
		horizonDays = DefaultHorizonDays
	}
	var rep AutoScheduleReport
	orgs, err := s.Store.AutoScheduleOrgs(ctx)
	if err != nil {
		return rep, fmt.Errorf("listing organizations with automatic scheduling: %w", err)
	}
	var errs []error
	for _, orgID := range orgs {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rep.Organizations++
		if err := s.scheduleOrg(ctx, orgID, day(today), horizonDays, &rep); err != nil {
			s.log().ErrorContext(ctx, "automatic audit scheduling failed for an organization", "org", orgID, "err", err)
			errs = append(errs, fmt.Errorf("organization %s: %w", orgID, err))
		}
	}
	return rep, errors.Join(errs...)
}

// candidate is a due station with what its audit will be.
type candidate struct {
	station    StationRef
	date       time.Time
	auditorID  string
	assignment string
}

// starterName is the name of the starter template used by default, the
// monthly HSE inspection.
func starterName() string {
	for _, st := range checklist.Starters() {
		if strings.HasPrefix(st.Name, "Monthly HSE Inspection") {
			return st.Name
		}
	}
	return ""
}

func (s *AutoScheduler) scheduleOrg(ctx context.Context, orgID string, today time.Time, horizonDays int, rep *AutoScheduleReport) error {
	sc := hse.TxScope{OrgID: orgID, ReadOnly: true}
	end := today.AddDate(0, 0, horizonDays)
	var tmpl *FormVersion
	var cands []candidate
	err := s.Store.InScheduleTx(ctx, sc, func(tx ScheduleTx) error {
		rows, err := tx.FindPlanRows(ctx, orgID, false, nil, today)
		if err != nil {
			return err
		}
		var due []PlanRow
		for _, r := range rows {
			if _, ok := dueWithin(r, today, end); ok {
				due = append(due, r)
			}
		}
		if len(due) == 0 {
			return nil
		}
		if tmpl, err = tx.FindDefaultTemplate(ctx, orgID, starterName()); err != nil {
			if hse.IsNotFound(err) {
				s.log().WarnContext(ctx, "automatic scheduling: no published template to use", "org", orgID)
				rep.Skipped += len(due)
				return nil
			}
			return err
		}
		last, err := tx.FindLastAuditors(ctx, orgID)
		if err != nil {
			return err
		}
		members, err := tx.FindConductors(ctx, orgID)
		if err != nil {
			return err
		}
		for _, r := range due {
			d, _ := dueWithin(r, today, end)
			auditor, rule := chooseAuditor(r.Station.ID, last[r.Station.ID], members)
			if auditor == "" {
				s.log().WarnContext(ctx, "automatic scheduling: nobody may audit the station", "org", orgID, "station", r.Station.Code)
				rep.Skipped++
				continue
			}
			cands = append(cands, candidate{station: r.Station, date: d, auditorID: auditor, assignment: rule})
		}
		return nil
	})
	if err != nil || tmpl == nil {
		return err
	}
	for _, c := range cands {
		created, err := s.create(ctx, orgID, tmpl, c, today)
		if err != nil {
			return err
		}
		if created == nil {
			rep.Skipped++
			continue
		}
		rep.Created = append(rep.Created, *created)
	}
	return nil
}

// dueWithin reports the date to schedule a station for when its plan
// falls due by end and it has no open audit: the due date, or today when
// it is overdue.
func dueWithin(r PlanRow, today, end time.Time) (time.Time, bool) {
	if r.NextScheduledID != "" {
		return time.Time{}, false
	}
	e := PlanFor(r, today)
	due, err := time.Parse(time.DateOnly, e.DueDate)
	if err != nil || due.After(end) {
		return time.Time{}, false
	}
	if due.Before(today) {
		due = today
	}
	return due, true
}

// chooseAuditor applies the assignment rule: the last auditor when they
// may still conduct audits at the station, otherwise the first member
// (members come in a stable order) who may.
func chooseAuditor(stationID, lastAuditor string, members []Conductor) (string, string) {
	may := func(m Conductor) bool {
		return m.Access.Permissions.Has(PermAuditConduct) && m.Access.Scope.AllowsStation(stationID)
	}
	if lastAuditor != "" {
		for _, m := range members {
			if m.UserID == lastAuditor && may(m) {
				return m.UserID, AssignedLastAuditor
			}
		}
	}
	for _, m := range members {
		if may(m) {
			return m.UserID, AssignedFirstMember
		}
	}
	return "", ""
}

// errAlreadyOpen rolls back a creation whose station got an open audit
// meanwhile (returning the number taken).
var errAlreadyOpen = errors.New("the station has an open audit")

// create schedules one audit in its own transaction; nil, nil when the
// station no longer needs one.
func (s *AutoScheduler) create(ctx context.Context, orgID string, v *FormVersion, c candidate, today time.Time) (*AutoScheduled, error) {
	now := s.now()
	a := &Audit{ID: newID(), StationID: c.station.ID, AuditorUserID: c.auditorID, Status: StatusScheduled, ScheduledFor: c.date,
		Version: 1, CreatedBy: c.auditorID, CreatedAt: now, UpdatedAt: now,
		FormVersionID: v.ID, TemplateID: v.TemplateID, VersionNumber: v.Number, StationName: c.station.Name, Region: c.station.Region}
	err := s.Store.InScheduleTx(ctx, hse.TxScope{OrgID: orgID}, func(tx ScheduleTx) error {
		// The number first: creations in the series queue here, so the
		// check below sees any audit committed before this one.
		n, err := tx.NextNumber(ctx, orgID, fmt.Sprintf("AUD-%d", c.date.Year()))
		if err != nil {
			return err
		}
		rows, err := tx.FindPlanRows(ctx, orgID, true, []string{c.station.ID}, today)
		if err != nil {
			return err
		}
		if len(rows) != 1 || rows[0].NextScheduledID != "" {
			return errAlreadyOpen // inactive now, or scheduled meanwhile
		}
		a.Number = fmt.Sprintf("AUD-%d-%04d", c.date.Year(), n)
		if err := tx.CreateAudit(ctx, orgID, a); err != nil {
			return err
		}
		if err := tx.Emit(ctx, assignedEvent(nil, orgID, now, a)); err != nil {
			return err
		}
		if err := history(ctx, tx, nil, orgID, a, now, HistoryScheduled, "", StatusScheduled, "automatically: "+c.assignment); err != nil {
			return err
		}
		after := snapshot(a)
		after["automatic"] = true
		after["templateId"] = v.TemplateID
		after["assignment"] = c.assignment
		return tx.AppendAudit(ctx, &hse.AuditEntry{ID: newID(), OrgID: orgID, OccurredAt: now, ActorEmail: SystemActor,
			Action: "audit.scheduled", EntityType: "audit", EntityID: a.ID, After: after})
	})
	if errors.Is(err, errAlreadyOpen) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &AutoScheduled{OrgID: orgID, AuditID: a.ID, Number: a.Number, StationID: a.StationID, AuditorID: a.AuditorUserID,
		Assignment: c.assignment, Date: c.date.Format(time.DateOnly)}, nil
}
