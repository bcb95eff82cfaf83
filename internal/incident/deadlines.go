package incident

import (
	"context"
	"log/slog"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// TypeDeadlineMissed is the event of a regulatory deadline that passed
// without a report to the regulator: the alert DOMAIN.md asks for when a
// fatality (8 h) or an in-patient hospitalisation, amputation or loss of an
// eye (24 h) goes unreported.
const TypeDeadlineMissed = "incident:deadline_missed"

// DeadlineInterval is how often the deadline job looks: a missed 8-hour
// deadline is announced within a minute.
const DeadlineInterval = time.Minute

// DeadlineStore announces missed deadlines (sqlstore.AnnounceMissedDeadlines).
type DeadlineStore interface {
	AnnounceMissedDeadlines(ctx context.Context, now time.Time) (int, error)
}

// DeadlineJob emits TypeDeadlineMissed once per incident and deadline.
// Every replica runs it; the lock makes one do the work, and the store
// remembers what was announced, so a run is safe to repeat.
type DeadlineJob struct {
	Store    DeadlineStore
	Lock     hse.Locker
	Interval time.Duration
	Now      func() time.Time
	Log      *slog.Logger
}

const deadlineLock = "incident-deadlines"

// Run looks every Interval (DeadlineInterval when 0) until ctx ends.
func (j *DeadlineJob) Run(ctx context.Context) {
	every := j.Interval
	if every <= 0 {
		every = DeadlineInterval
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := j.RunOnce(ctx); err != nil && ctx.Err() == nil {
			j.Log.ErrorContext(ctx, "announcing missed regulatory deadlines failed", "err", err)
		}
	}
}

// RunOnce announces the deadlines missed by now, unless another replica
// is at it; it reports whether it ran.
func (j *DeadlineJob) RunOnce(ctx context.Context) (bool, error) {
	release, ok, err := j.Lock.TryLock(ctx, deadlineLock)
	if err != nil || !ok {
		return false, err
	}
	defer release()
	n, err := j.Store.AnnounceMissedDeadlines(ctx, hse.Now(j.Now))
	if err != nil {
		return true, err
	}
	if n > 0 {
		j.Log.WarnContext(ctx, "regulatory deadlines missed", "incidents", n)
	}
	return true, nil
}
