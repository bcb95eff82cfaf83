package capa

import (
	"context"
	"log/slog"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// OverdueStore announces overdue actions (see sqlstore.AnnounceOverdue).
type OverdueStore interface {
	AnnounceOverdue(ctx context.Context, today time.Time) (overdue, escalated int, err error)
}

// OverdueJob emits "action:overdue" when an action passes its due day and
// "action:escalated" EscalationDays later; notifications consume them
// (the assignee first, then the station's managers and the compliance
// managers). Every replica runs it; the lock makes one do the work, and
// the store remembers what was announced, so a run is safe to repeat.
type OverdueJob struct {
	Store    OverdueStore
	Lock     hse.Locker
	Schedule interface{ Next(time.Time) time.Time }
	Now      func() time.Time
	Log      *slog.Logger
}

const overdueLock = "action-overdue"

// Run runs the job at each slot of the schedule until ctx ends.
func (j *OverdueJob) Run(ctx context.Context) {
	for {
		next := j.Schedule.Next(hse.Now(j.Now))
		timer := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		if _, err := j.RunOnce(ctx); err != nil {
			j.Log.ErrorContext(ctx, "announcing overdue actions failed", "err", err)
		}
	}
}

// RunOnce announces what is overdue today (UTC), unless another replica is
// at it; it reports whether it ran.
func (j *OverdueJob) RunOnce(ctx context.Context) (bool, error) {
	release, ok, err := j.Lock.TryLock(ctx, overdueLock)
	if err != nil || !ok {
		return false, err
	}
	defer release()
	overdue, escalated, err := j.Store.AnnounceOverdue(ctx, hse.Now(j.Now))
	if err != nil {
		return true, err
	}
	if overdue+escalated > 0 {
		j.Log.InfoContext(ctx, "overdue actions announced", "overdue", overdue, "escalated", escalated)
	}
	return true, nil
}
