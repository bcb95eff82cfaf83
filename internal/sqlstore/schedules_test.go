package sqlstore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hsedigital/hse/internal/audit"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// programmeFixture is a tenant with the starter templates, a station, a
// schedule and its first audit.
type programmeFixture struct {
	tn                        tenant
	station, template, sched  string
	version, audit, auditDate string
}

func seedProgramme(t *testing.T, db *sqlstore.DB, name string) programmeFixture {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	f := programmeFixture{tn: seedTenant(t, db, name), station: newID(), sched: newID(), audit: newID(), auditDate: "2026-03-02"}
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	end := day.AddDate(0, 0, 6)
	err := db.Audits().InTx(ctx, hse.TxScope{OrgID: f.tn.orgID, UserID: f.tn.userID}, func(tx audit.Tx) error {
		if err := audit.InstallStarters(ctx, tx, f.tn.orgID, f.tn.userID, now); err != nil {
			return err
		}
		pg, err := tx.FindTemplates(ctx, f.tn.orgID, audit.TemplateFilter{}, hse.PageRequest{Limit: 10})
		if err != nil {
			return err
		}
		f.template = pg.Items[0].ID
		v, err := tx.FindLatestPublished(ctx, f.tn.orgID, f.template)
		if err != nil {
			return err
		}
		f.version = v.ID
		return insertStation(ctx, tx, f.tn.orgID, f.station, now, func() error {
			if err := tx.CreateSchedule(ctx, f.tn.orgID, &audit.Schedule{ID: f.sched, Name: name + " weekly", StationID: f.station, TemplateID: f.template,
				Frequency: audit.FrequencyWeekly, StartDate: day, WindowDays: 7, LeadDays: 14, AssigneeRule: audit.AssignRoundRobin,
				GroupUserIDs: []string{f.tn.userID}, Active: true, Version: 1, CreatedBy: f.tn.userID, CreatedAt: now, UpdatedAt: now}); err != nil {
				return err
			}
			return tx.CreateAudit(ctx, f.tn.orgID, &audit.Audit{ID: f.audit, Number: "AUD-2026-0001", StationID: f.station, FormVersionID: v.ID,
				AuditorUserID: f.tn.userID, Status: audit.StatusScheduled, ScheduledFor: day, Version: 1, CreatedBy: f.tn.userID,
				CreatedAt: now, UpdatedAt: now, ScheduleID: f.sched, OccurrenceDate: &day, WindowEnds: &end})
		})
	})
	if err != nil {
		t.Fatalf("seeding a programme: %v", err)
	}
	return f
}

// TestScheduleStore covers the programme store on both engines: a
// schedule round trip with optimistic versions, one audit per occurrence,
// the Missed status the migration added, lapsed audits, history and
// archived templates.
func TestScheduleStore(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := hsetest.MigratedDB(t, engine)
		f := seedProgramme(t, db, "Prog"+engine)
		other := seedProgramme(t, db, "Other"+engine)
		in := func(orgID string, fn func(audit.Tx) error) error {
			return db.Audits().InTx(ctx, hse.TxScope{OrgID: orgID}, fn)
		}
		err := in(f.tn.orgID, func(tx audit.Tx) error {
			s, err := tx.LockSchedule(ctx, f.tn.orgID, f.sched)
			if err != nil {
				return err
			}
			if s.StationID != f.station || s.Region != "" || !slices.Equal(s.GroupUserIDs, []string{f.tn.userID}) || !s.Active || s.Version != 1 ||
				s.StartDate.Format(time.DateOnly) != "2026-03-02" || s.EndDate != nil {
				t.Errorf("schedule read back: %+v", s)
			}
			end := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
			s.Frequency, s.IntervalDays, s.EndDate = audit.FrequencyDays, 10, &end
			if err := tx.UpdateSchedule(ctx, f.tn.orgID, s); err != nil || s.Version != 2 {
				t.Fatalf("update: %v, version %d", err, s.Version)
			}
			s.Version = 1
			if err := tx.UpdateSchedule(ctx, f.tn.orgID, s); hse.KindOf(err) != hse.KindPrecondition {
				t.Errorf("stale update: %v", err)
			}
			if err := tx.SetScheduleRotation(ctx, f.tn.orgID, f.sched, 5); err != nil {
				return err
			}
			got, err := tx.FindSchedule(ctx, f.tn.orgID, f.sched)
			if err != nil {
				return err
			}
			if got.Rotation != 5 || got.Version != 2 || got.Frequency != audit.FrequencyDays || got.EndDate == nil || !got.EndDate.Equal(end) {
				t.Errorf("after update and rotation: %+v", got)
			}
			// Another tenant's schedule is not found.
			if _, err := tx.FindSchedule(ctx, f.tn.orgID, other.sched); !hse.IsNotFound(err) {
				t.Errorf("other tenant's schedule: %v", err)
			}
			ids, err := tx.FindScheduleIDsUsing(ctx, f.tn.orgID, f.template)
			if err != nil || !slices.Equal(ids, []string{f.sched}) {
				t.Errorf("schedules using the template: %v %v", ids, err)
			}
			as, err := tx.FindScheduleAudits(ctx, f.tn.orgID, f.sched, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
			if err != nil || len(as) != 1 || as[0].ID != f.audit || as[0].WindowEnds.Format(time.DateOnly) != "2026-03-08" {
				t.Errorf("schedule audits: %+v %v", as, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		// One audit per occurrence: a second one is a conflict, not a 500.
		day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
		now := time.Now().UTC()
		err = in(f.tn.orgID, func(tx audit.Tx) error {
			return tx.CreateAudit(ctx, f.tn.orgID, &audit.Audit{ID: newID(), Number: "AUD-2026-0002", StationID: f.station, FormVersionID: f.version,
				AuditorUserID: f.tn.userID, Status: audit.StatusScheduled, ScheduledFor: day, Version: 1, CreatedBy: f.tn.userID,
				CreatedAt: now, UpdatedAt: now, ScheduleID: f.sched, OccurrenceDate: &day})
		})
		if hse.KindOf(err) != hse.KindConflict {
			t.Errorf("a second audit of one occurrence: %v, want a conflict", err)
		}

		// Lapsed on 9 March (window to 8 March), not on 8 March; Missed is
		// a status the database takes, and an unknown one it refuses.
		orgs, err := db.Audits().ProgrammeOrgs(ctx, day)
		if err != nil || !slices.Contains(orgs, f.tn.orgID) {
			t.Errorf("programme organizations: %v %v", orgs, err)
		}
		err = in(f.tn.orgID, func(tx audit.Tx) error {
			st := tx.(audit.ScheduleTx)
			if l, err := st.FindLapsedAudits(ctx, f.tn.orgID, time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)); err != nil || len(l) != 0 {
				t.Errorf("lapsed on the window's last day: %v %v", l, err)
			}
			l, err := st.FindLapsedAudits(ctx, f.tn.orgID, time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC))
			if err != nil || len(l) != 1 {
				t.Fatalf("lapsed the day after: %v %v", l, err)
			}
			a := &l[0]
			at := now.Truncate(time.Microsecond)
			a.Status, a.MissedAt = audit.StatusMissed, &at
			if err := tx.UpdateAudit(ctx, f.tn.orgID, a); err != nil {
				return err
			}
			if err := tx.AppendAuditHistory(ctx, f.tn.orgID, &hse.HistoryEntry{ID: newID(), RecordID: a.ID, At: at, Kind: audit.HistoryMissed,
				FromStatus: audit.StatusScheduled, ToStatus: audit.StatusMissed}); err != nil {
				return err
			}
			got, err := tx.FindAudit(ctx, f.tn.orgID, a.ID)
			if err != nil || got.Status != audit.StatusMissed || got.MissedAt == nil || !got.MissedAt.Equal(at) {
				t.Errorf("missed audit read back: %+v %v", got, err)
			}
			h, err := tx.FindAuditHistory(ctx, f.tn.orgID, a.ID)
			if err != nil || len(h) != 1 || h[0].Kind != audit.HistoryMissed || h[0].ActorUserID != "" {
				t.Errorf("history: %+v %v", h, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, sqlstore.Scope{OrgID: f.tn.orgID}, func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE audits SET status = 'Lost' WHERE organization_id = ? AND id = ?`, f.tn.orgID, f.audit)
			return err
		})
		if err == nil {
			t.Error("the status CHECK accepted an unknown status")
		}

		// Archived templates leave the default list.
		err = in(f.tn.orgID, func(tx audit.Tx) error {
			tp, err := tx.FindTemplate(ctx, f.tn.orgID, f.template)
			if err != nil {
				return err
			}
			at := now.Truncate(time.Microsecond)
			tp.ArchivedAt, tp.ArchivedBy, tp.UpdatedAt = &at, f.tn.userID, at
			if err := tx.SetTemplateArchived(ctx, f.tn.orgID, tp, tp.Version); err != nil {
				return err
			}
			names := func(arch string) []string {
				pg, err := tx.FindTemplates(ctx, f.tn.orgID, audit.TemplateFilter{Archived: arch}, hse.PageRequest{Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, x := range pg.Items {
					out = append(out, x.ID)
				}
				return out
			}
			if slices.Contains(names(""), f.template) || !cmp.Equal(names(audit.ArchivedOnly), []string{f.template}) || len(names(audit.ArchivedInclude)) != 2 {
				t.Errorf("archived filter: default %v only %v", names(""), names(audit.ArchivedOnly))
			}
			got, err := tx.FindTemplate(ctx, f.tn.orgID, f.template)
			if err != nil || got.ArchivedAt == nil || got.ArchivedBy != f.tn.userID {
				t.Errorf("archived template read back: %+v %v", got, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestProgrammeTablesRowLevelSecurity: the schedule and history tables are
// forced under row-level security like every tenant table.
func TestProgrammeTablesRowLevelSecurity(t *testing.T) {
	db := rlsDB(t)
	ctx := context.Background()
	a := seedProgramme(t, db, "ProgRLSA")
	b := seedProgramme(t, db, "ProgRLSB")
	err := db.Audits().InTx(ctx, hse.TxScope{OrgID: a.tn.orgID}, func(tx audit.Tx) error {
		return tx.AppendAuditHistory(ctx, a.tn.orgID, &hse.HistoryEntry{ID: newID(), RecordID: a.audit, At: time.Now().UTC(), Kind: "scheduled"})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTx(ctx, sqlstore.Scope{OrgID: b.tn.orgID}, func(tx *sqlstore.Tx) error {
		for _, table := range []string{"audit_schedules", "audit_events"} {
			var enabled, forced bool
			if err := tx.QueryRow(ctx, `SELECT relrowsecurity, relforcerowsecurity FROM pg_class
				WHERE relnamespace = current_schema()::regnamespace AND relname = ?`, table).Scan(&enabled, &forced); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM `+table+` WHERE organization_id = ?`, a.tn.orgID).Scan(&n); err != nil {
				return err
			}
			if !enabled || !forced || n != 0 {
				t.Errorf("%s: row security enabled %v forced %v; B sees %d of A's rows", table, enabled, forced, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
