package audit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// The daily run of audit programmes, part of the automatic scheduler's
// slot (one replica per slot): for every organization with an active
// schedule or a lapsed audit, each active schedule creates the audits of
// its occurrences within its lead time, then every Scheduled audit whose
// window ended before today becomes Missed (kept, with its history, an
// "audit:status_changed" event and an audit-trail entry by "system").

// ProgrammeReport is what one run of the programmes did.
type ProgrammeReport struct {
	Organizations int
	Created       int
	Missed        int
	Problems      int
}

// RunProgrammes runs the schedules and the missed-audit sweep for the day
// of today. An organization that fails is logged and the others still
// run; the errors are returned joined.
func (s *AutoScheduler) RunProgrammes(ctx context.Context, today time.Time) (ProgrammeReport, error) {
	today = day(today)
	var rep ProgrammeReport
	orgs, err := s.Store.ProgrammeOrgs(ctx, today)
	if err != nil {
		return rep, fmt.Errorf("listing organizations with audit programmes: %w", err)
	}
	var errs []error
	for _, orgID := range orgs {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rep.Organizations++
		if err := s.runOrgProgrammes(ctx, orgID, today, &rep); err != nil {
			s.log().ErrorContext(ctx, "audit programmes failed for an organization", "org", orgID, "err", err)
			errs = append(errs, fmt.Errorf("organization %s: %w", orgID, err))
		}
	}
	return rep, errors.Join(errs...)
}

func (s *AutoScheduler) runOrgProgrammes(ctx context.Context, orgID string, today time.Time, rep *ProgrammeReport) error {
	var ids []string
	err := s.Store.InScheduleTx(ctx, hse.TxScope{OrgID: orgID, ReadOnly: true}, func(tx ScheduleTx) error {
		all, err := tx.FindSchedules(ctx, orgID)
		for _, sc := range all {
			if sc.Active {
				ids = append(ids, sc.ID)
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	// One transaction per schedule: a schedule that fails does not hold
	// back the others, and its row lock queues it behind an edit.
	for _, id := range ids {
		now := s.now()
		err := s.Store.InScheduleTx(ctx, hse.TxScope{OrgID: orgID}, func(tx ScheduleTx) error {
			sc, err := tx.LockSchedule(ctx, orgID, id)
			if err != nil || !sc.Active {
				return err
			}
			r, err := syncSchedule(ctx, tx, nil, orgID, sc, today, now, false, false)
			rep.Created += len(r.Created)
			rep.Problems += len(r.Problems)
			for _, p := range r.Problems {
				s.log().WarnContext(ctx, "audit schedule occurrence without an audit", "org", orgID, "schedule", id, "problem", p)
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	now := s.now()
	return s.Store.InScheduleTx(ctx, hse.TxScope{OrgID: orgID}, func(tx ScheduleTx) error {
		lapsed, err := tx.FindLapsedAudits(ctx, orgID, today)
		if err != nil {
			return err
		}
		for i := range lapsed {
			if err := markMissed(ctx, tx, orgID, &lapsed[i], now); err != nil {
				return err
			}
			rep.Missed++
		}
		return nil
	})
}

// markMissed records a lapsed audit as Missed.
func markMissed(ctx context.Context, tx Tx, orgID string, a *Audit, now time.Time) error {
	before := snapshot(a)
	at := now
	a.Status, a.MissedAt, a.UpdatedAt = StatusMissed, &at, now
	if err := tx.UpdateAudit(ctx, orgID, a); err != nil {
		return err
	}
	note := "not started by the end of its window, " + dateOf(*a.WindowEnds)
	if err := history(ctx, tx, nil, orgID, a, now, HistoryMissed, StatusScheduled, StatusMissed, note); err != nil {
		return err
	}
	if err := tx.Emit(ctx, hse.NewEvent(nil, orgID, now, EventStatusChanged, "audit", a.ID,
		hse.StatusChange(a.Number, StatusScheduled, StatusMissed, map[string]any{"stationId": a.StationID, "auditorUserId": a.AuditorUserID}))); err != nil {
		return err
	}
	return tx.AppendAudit(ctx, actorTrail(ctx, nil, orgID, now, "audit.missed", a, before, snapshot(a)))
}
