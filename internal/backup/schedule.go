package backup

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/hsedigital/hse/internal/sqlstore"
)

// ParseSchedule parses a five-field cron expression (minute hour day month
// weekday), e.g. "0 2 * * *" for 02:00 UTC every day.
func ParseSchedule(spec string) (cron.Schedule, error) {
	return cron.ParseStandard(spec)
}

// Scheduler makes backups on a cron schedule inside the server. Every
// replica runs it; a lock shared through the database and a record of the
// last slot done make each slot run once across all replicas.
type Scheduler struct {
	DB     *sqlstore.DB
	Target Target
	Dir    string
	// Remote, when set, receives each backup (and its verification) after
	// it is written to Dir; a failed upload is a failed attempt.
	Remote    *Remote
	Retention Retention
	Schedule  cron.Schedule
	Log       *slog.Logger
	Now       func() time.Time
}

func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Run waits for each slot of the schedule and backs up, until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
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
			s.Log.ErrorContext(ctx, "scheduled backup failed", "slot", next, "err", err)
		}
	}
}

// lastSlotKey records in app_meta the last schedule slot backed up.
const lastSlotKey = "backup.last_slot"

// RunSlot backs up for one schedule slot unless another replica holds the
// backup lock or already did this slot. It reports whether it backed up.
func (s *Scheduler) RunSlot(ctx context.Context, slot time.Time) (bool, error) {
	release, ok, err := s.DB.TryLock(ctx, "backup")
	if err != nil {
		return false, err
	}
	if !ok {
		return false, nil // another replica is backing up
	}
	defer release()
	slotID := slot.UTC().Format(time.RFC3339)
	if last, err := s.DB.Meta(ctx, lastSlotKey); err != nil {
		return false, err
	} else if last >= slotID {
		return false, nil // done already by another replica
	}
	m, err := Create(ctx, s.DB, s.Target, s.Dir, "scheduled", s.now())
	if err == nil && s.Remote != nil {
		if uerr := s.Remote.Upload(ctx, s.Dir, m); uerr != nil {
			err = fmt.Errorf("%s was written to %s but not uploaded: %w", m.Name, s.Dir, uerr)
		}
	}
	attempt := Attempt{At: s.now(), OK: err == nil}
	if err != nil {
		attempt.Error = err.Error()
	} else {
		attempt.Name = m.Name
	}
	if rerr := RecordAttempt(s.Dir, attempt); rerr != nil {
		s.Log.ErrorContext(ctx, "recording the backup attempt failed", "err", rerr)
	}
	if s.Remote != nil {
		if rerr := s.Remote.RecordAttempt(ctx, attempt); rerr != nil {
			s.Log.ErrorContext(ctx, "recording the backup attempt in the bucket failed", "err", rerr)
		}
	}
	if err != nil {
		return false, fmt.Errorf("backup: %w", err)
	}
	if err := s.DB.SetMeta(ctx, lastSlotKey, slotID); err != nil {
		return true, err
	}
	// Create verified what it wrote (the metadata uploaded carries the
	// result); the restore drill is the operator's weekly command.
	if removed, err := Prune(ctx, s.Dir, s.Retention, s.now(), false); err != nil {
		return true, err
	} else if len(removed) > 0 {
		s.Log.InfoContext(ctx, "pruned backups outside retention", "count", len(removed))
	}
	if s.Remote != nil {
		if removed, err := s.Remote.Prune(ctx, s.Retention, s.now(), false); err != nil {
			return true, err
		} else if len(removed) > 0 {
			s.Log.InfoContext(ctx, "pruned backups outside retention from the bucket", "count", len(removed))
		}
	}
	s.Log.InfoContext(ctx, "scheduled backup done", "name", m.Name, "bytes", m.SizeBytes, "uploaded", s.Remote != nil)
	return true, nil
}
