// Package outbox delivers the domain events that services write in their
// transactions (see hse.Event) to the handlers that react to them:
// metrics today, notifications and webhooks next. Adding a consumer means
// adding a Handler, not touching the services.
package outbox

import (
	"context"
	"log/slog"
	"time"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// Handler reacts to one event. It must tolerate seeing an event twice (a
// crash between handling and settling repeats it).
type Handler interface {
	Handle(ctx context.Context, e hse.Event) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, e hse.Event) error

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, e hse.Event) error { return f(ctx, e) }

// Store is the outbox table (sqlstore.Outbox).
type Store interface {
	Pending(ctx context.Context, limit int) ([]sqlstore.PendingEvent, error)
	Settle(ctx context.Context, orgID, id string, at time.Time, failure string, maxAttempts int) error
	Purge(ctx context.Context, before time.Time) (int64, error)
}

// Purger deletes expired rows of another table on the relay's rounds
// (idempotency keys).
type Purger interface {
	Purge(ctx context.Context, now time.Time) (int64, error)
}

// Relay polls the outbox and hands each event to every handler, oldest
// first. A failing handler leaves the event for the next round, up to
// MaxAttempts; then the event is given up on and logged.
type Relay struct {
	Store    Store
	Lock     hse.Locker
	Handlers []Handler
	// Observers see each event once, after every handler took it (metrics);
	// what they return is ignored.
	Observers []Handler
	// Interval between rounds when the outbox is empty (default 1 s).
	Interval time.Duration
	// Retention keeps delivered events this long (default 7 days).
	Retention   time.Duration
	MaxAttempts int
	Purgers     []Purger
	Now         func() time.Time
	Log         *slog.Logger
}

const (
	relayLock = "outbox-relay"
	batchSize = 200
)

func (r *Relay) defaults() {
	if r.Interval <= 0 {
		r.Interval = time.Second
	}
	if r.Retention <= 0 {
		r.Retention = 7 * 24 * time.Hour
	}
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = 10
	}
	if r.Log == nil {
		r.Log = slog.New(slog.DiscardHandler)
	}
}

// Run delivers until ctx ends, purging once an hour.
func (r *Relay) Run(ctx context.Context) {
	r.defaults()
	lastPurge := time.Time{}
	for {
		n, err := r.Round(ctx)
		if err != nil && ctx.Err() == nil {
			r.Log.ErrorContext(ctx, "delivering domain events failed", "err", err)
		}
		if time.Since(lastPurge) > time.Hour {
			lastPurge = time.Now()
			if err := r.Purge(ctx); err != nil && ctx.Err() == nil {
				r.Log.ErrorContext(ctx, "purging delivered events failed", "err", err)
			}
		}
		wait := r.Interval
		if n == batchSize {
			wait = 0 // more are waiting
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// Round delivers one batch of pending events and reports how many it
// settled; it does nothing while another replica delivers.
func (r *Relay) Round(ctx context.Context) (int, error) {
	r.defaults()
	release, ok, err := r.Lock.TryLock(ctx, relayLock)
	if err != nil || !ok {
		return 0, err
	}
	defer release()
	events, err := r.Store.Pending(ctx, batchSize)
	if err != nil {
		return 0, err
	}
	for i, e := range events {
		failure := ""
		for _, h := range r.Handlers {
			if err := h.Handle(ctx, e.Event); err != nil {
				failure = err.Error()
				break
			}
		}
		if failure != "" && e.Attempts+1 >= r.MaxAttempts {
			r.Log.ErrorContext(ctx, "giving up on a domain event", "type", e.Type, "event", e.ID, "attempts", e.Attempts+1, "err", failure)
		}
		if err := r.Store.Settle(ctx, e.OrgID, e.ID, hse.Now(r.Now), failure, r.MaxAttempts); err != nil {
			return i, err
		}
		if failure == "" {
			for _, o := range r.Observers {
				_ = o.Handle(ctx, e.Event)
			}
		}
		if failure != "" {
			// Keep order per round: a failing event stops the round
			// rather than letting later events of the same record
			// overtake it.
			return i + 1, nil
		}
	}
	return len(events), nil
}

// Purge deletes delivered events past the retention and expired rows of
// the purgers.
func (r *Relay) Purge(ctx context.Context) error {
	r.defaults()
	now := hse.Now(r.Now)
	if _, err := r.Store.Purge(ctx, now.Add(-r.Retention)); err != nil {
		return err
	}
	for _, p := range r.Purgers {
		if _, err := p.Purge(ctx, now); err != nil {
			return err
		}
	}
	return nil
}
