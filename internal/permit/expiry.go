package permit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Expiry: permits Approved or Active whose valid-to has passed become
// Expired. The job runs every interval on every replica; a lock shared
// through the database and the last slot done (in app_meta) make each
// slot run once. Each organization's permits are expired in transactions
// scoped to it; only the list of organizations with something to expire is
// read with the platform scope. Every expiry is a status change with its
// history entry (no user), an audit entry by the actor "system", and the
// events work_permit:status_changed and work_permit:expired.

// SystemActor is the audit-trail actor of the platform's own changes.
const SystemActor = "system"

// ExpiryReason is the note of an expiry in the history and events.
const ExpiryReason = "validity ended"

// expiryBatch bounds the permits one transaction expires.
const expiryBatch = 200

// ExpiryStore is what the expiry job needs of the database.
type ExpiryStore interface {
	// ExpiringOrgs lists the organizations with Approved or Active permits
	// whose valid-to is at or before at (a platform-scoped read).
	ExpiringOrgs(ctx context.Context, at time.Time) ([]string, error)
	// RetestDueOrgs lists the organizations with Active permits whose gas
	// re-test was due at or before at (a platform-scoped read).
	RetestDueOrgs(ctx context.Context, at time.Time) ([]string, error)
	InTx(ctx context.Context, sc hse.TxScope, fn func(Tx) error) error
}

// ExpiryJob expires the permits whose validity ended.
type ExpiryJob struct {
	Store    ExpiryStore
	Slots    hse.SlotStore
	Interval time.Duration // between runs; one minute when 0
	Log      *slog.Logger
	Now      func() time.Time
}

// Expired is one permit a run expired.
type Expired struct {
	OrgID, PermitID, Number, From string
}

const (
	expiryLock    = "permit-expiry"
	expirySlotKey = "permits.expiry.last_slot"
)

func (j *ExpiryJob) now() time.Time { return hse.Now(j.Now) }

func (j *ExpiryJob) interval() time.Duration {
	if j.Interval <= 0 {
		return time.Minute
	}
	return j.Interval
}

func (j *ExpiryJob) log() *slog.Logger {
	if j.Log != nil {
		return j.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Run expires permits at every slot of the interval until ctx ends.
func (j *ExpiryJob) Run(ctx context.Context) {
	for {
		next := j.now().Truncate(j.interval()).Add(j.interval())
		timer := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		if _, _, err := j.RunSlot(ctx, next); err != nil {
			j.log().ErrorContext(ctx, "permit expiry failed", "slot", next, "err", err)
		}
	}
}

// RunSlot expires what is due at slot unless another replica holds the
// lock or already did this slot. It reports whether it ran and what it
// expired.
func (j *ExpiryJob) RunSlot(ctx context.Context, slot time.Time) (bool, []Expired, error) {
	release, ok, err := j.Slots.TryLock(ctx, expiryLock)
	if err != nil || !ok {
		return false, nil, err
	}
	defer release()
	slotID := slot.UTC().Format(time.RFC3339Nano)
	if last, err := j.Slots.Meta(ctx, expirySlotKey); err != nil {
		return false, nil, err
	} else if last != "" && !timeAfter(slotID, last) {
		return false, nil, nil // done already
	}
	done, err := j.ExpireDue(ctx, slot)
	if err != nil {
		return true, done, err
	}
	// Expiry first: work whose validity ended is Expired, not Suspended.
	suspended, err := j.SuspendMissedRetests(ctx, slot)
	if err != nil {
		return true, done, err
	}
	if len(suspended) > 0 {
		j.log().InfoContext(ctx, "permits suspended for a missed gas re-test", "slot", slotID, "count", len(suspended))
	}
	if err := j.Slots.SetMeta(ctx, expirySlotKey, slotID); err != nil {
		return true, done, err
	}
	if len(done) > 0 {
		j.log().InfoContext(ctx, "permits expired", "slot", slotID, "count", len(done))
	}
	return true, done, nil
}

// timeAfter compares two RFC 3339 times as times (the text of times with
// and without fractions does not sort as they do).
func timeAfter(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	return errA == nil && (errB != nil || ta.After(tb))
}

// ExpireDue expires every Approved, Active or Suspended permit whose valid-to is at
// or before at. An organization that fails is logged and the others still
// run; the errors are returned joined.
func (j *ExpiryJob) ExpireDue(ctx context.Context, at time.Time) ([]Expired, error) {
	orgs, err := j.Store.ExpiringOrgs(ctx, at)
	if err != nil {
		return nil, fmt.Errorf("listing organizations with permits to expire: %w", err)
	}
	var out []Expired
	var errs []error
	for _, orgID := range orgs {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		for {
			n, err := j.expireBatch(ctx, orgID, at, &out)
			if err != nil {
				j.log().ErrorContext(ctx, "permit expiry failed for an organization", "org", orgID, "err", err)
				errs = append(errs, fmt.Errorf("organization %s: %w", orgID, err))
				break
			}
			if n < expiryBatch {
				break
			}
		}
	}
	return out, errors.Join(errs...)
}

// expireBatch expires up to expiryBatch permits of one organization in one
// transaction.
func (j *ExpiryJob) expireBatch(ctx context.Context, orgID string, at time.Time, out *[]Expired) (int, error) {
	var batch []Expired
	err := j.Store.InTx(ctx, hse.TxScope{OrgID: orgID}, func(tx Tx) error {
		batch = nil
		due, err := tx.FindExpiring(ctx, orgID, at, expiryBatch)
		if err != nil {
			return err
		}
		now := j.now()
		for i := range due {
			p := &due[i]
			if err := Check(p, MoveExpire, Actor{System: true}, ""); err != nil {
				return err
			}
			before := Snapshot(p)
			from := p.Status
			p.Status, p.RetestDueAt = StatusExpired, nil
			if err := bump(ctx, tx, orgID, p, now, event(nil, p, now, EventStatusChanged, from, p.Status, ExpiryReason)); err != nil {
				return err
			}
			if err := tx.AppendAudit(ctx, &hse.AuditEntry{ID: hse.NewID(), OrgID: orgID, OccurredAt: now, ActorEmail: SystemActor,
				Action: "permit.expired", EntityType: EntityType, EntityID: p.ID, Before: before, After: Snapshot(p)}); err != nil {
				return err
			}
			payload := hse.StatusChange(p.Number, from, p.Status, map[string]any{"reason": ExpiryReason, "type": p.Type, "stationId": p.StationID})
			if err := tx.Emit(ctx, hse.NewEvent(nil, orgID, now, EventTypeStatusChanged, EventEntityType, p.ID, payload)); err != nil {
				return err
			}
			if err := tx.Emit(ctx, hse.NewEvent(nil, orgID, now, EventTypeExpired, EventEntityType, p.ID, map[string]any{
				"number": p.Number, "from": from, "validTo": p.ValidTo.Format(time.RFC3339)})); err != nil {
				return err
			}
			batch = append(batch, Expired{OrgID: orgID, PermitID: p.ID, Number: p.Number, From: from})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	*out = append(*out, batch...)
	return len(batch), nil
}

// RetestMissedReason is the suspension reason of a missed gas re-test.
const RetestMissedReason = "gas re-test missed"

// SuspendMissedRetests suspends every Active permit whose gas re-test was
// due at or before at: the work must stop until the air is tested again.
// Each suspension tells the issuer (work_permit:suspended). Organizations
// are handled one at a time, as for expiry.
func (j *ExpiryJob) SuspendMissedRetests(ctx context.Context, at time.Time) ([]Expired, error) {
	orgs, err := j.Store.RetestDueOrgs(ctx, at)
	if err != nil {
		return nil, fmt.Errorf("listing organizations with gas re-tests due: %w", err)
	}
	var out []Expired
	var errs []error
	for _, orgID := range orgs {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		for {
			n, err := j.suspendBatch(ctx, orgID, at, &out)
			if err != nil {
				j.log().ErrorContext(ctx, "permit re-test sweep failed for an organization", "org", orgID, "err", err)
				errs = append(errs, fmt.Errorf("organization %s: %w", orgID, err))
				break
			}
			if n < expiryBatch {
				break
			}
		}
	}
	return out, errors.Join(errs...)
}

func (j *ExpiryJob) suspendBatch(ctx context.Context, orgID string, at time.Time, out *[]Expired) (int, error) {
	var batch []Expired
	err := j.Store.InTx(ctx, hse.TxScope{OrgID: orgID}, func(tx Tx) error {
		batch = nil
		due, err := tx.FindRetestDue(ctx, orgID, at, expiryBatch)
		if err != nil {
			return err
		}
		now := j.now()
		for i := range due {
			p := &due[i]
			if err := Check(p, MoveSuspend, Actor{System: true}, RetestMissedReason); err != nil {
				return err
			}
			before := Snapshot(p)
			from := p.Status
			p.Status, p.SuspendedAt, p.SuspensionReason = StatusSuspended, &now, RetestMissedReason+" (due "+p.RetestDueAt.UTC().Format(time.RFC3339)+")"
			p.RetestDueAt = nil
			if err := bump(ctx, tx, orgID, p, now, event(nil, p, now, EventStatusChanged, from, p.Status, p.SuspensionReason)); err != nil {
				return err
			}
			if err := tx.AppendAudit(ctx, &hse.AuditEntry{ID: hse.NewID(), OrgID: orgID, OccurredAt: now, ActorEmail: SystemActor,
				Action: "permit.suspended", EntityType: EntityType, EntityID: p.ID, Before: before, After: Snapshot(p)}); err != nil {
				return err
			}
			if err := emitSuspended(ctx, tx, nil, orgID, p, from, now); err != nil {
				return err
			}
			batch = append(batch, Expired{OrgID: orgID, PermitID: p.ID, Number: p.Number, From: from})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	*out = append(*out, batch...)
	return len(batch), nil
}
