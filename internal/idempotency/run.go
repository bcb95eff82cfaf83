package idempotency

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// run serves the first request of a key. The handler runs under a hold:
// its first write transaction stays open, later ones join it, and its
// response is kept back. Then, in that same transaction, a success is
// stored as the key's response (or a failure releases the key) and it
// commits; only then does the response leave. A crash before the commit
// leaves neither the change nor the stored response: the claim goes stale
// and a retry runs the request. A crash after it leaves both: a retry
// replays the response.
func (o *Options) run(w http.ResponseWriter, r *http.Request, next http.Handler, body *digestReader, rec *Record) {
	// Bookkeeping outlives a client that went away, and never joins the
	// request's held transaction.
	base := context.WithoutCancel(r.Context())
	beat, stopBeat := context.WithCancel(base)
	defer stopBeat()
	go o.heartbeat(beat, *rec)

	ctx, hold := o.Store.Hold(r.Context())
	ctx, effects := hse.WithEffects(ctx)
	c := newCapture(w)
	crashing, finished := false, false
	hook := func(f func()) {
		if f != nil {
			crashing = true
			f()
			crashing = false
		}
	}
	defer func() {
		if finished {
			return
		}
		// A panic. Whatever the request wrote is undone, as the database
		// undoes it when a process dies.
		stopBeat()
		hold.Abort()
		effects.Drop()
		if crashing {
			return // a simulated crash: nothing more happens
		}
		// The handler failed: its retry may run again at once.
		o.release(base, rec)
	}()
	hook(o.Hooks.Claimed)
	next.ServeHTTP(c, r.WithContext(ctx))

	keep := c.keepable()
	if keep {
		digest := body.finish(o.MaxDrain)
		keep = digest != ""
		rec.RequestHash, rec.Status, rec.Header, rec.Body = digest, c.code(), keptHeader(c.header), c.body.Bytes()
	}
	var err error
	held := hold.Held()
	switch {
	case held && keep:
		hook(o.Hooks.Handled)
		err = hold.Complete(base, rec)
	case held:
		// A refused request keeps what it wrote, as it would without a
		// key, and frees the key so that its retry runs again.
		err = hold.Release(base, rec)
	case keep:
		err = o.Store.Complete(base, rec)
	default:
		err = o.Store.Release(base, rec.OrgID, rec.Key, rec.Claim)
	}
	stopBeat()
	finished = true

	if held && err != nil {
		// Rolled back: the client must not see a success for it.
		effects.Drop()
		if errors.Is(err, ErrClaimLost) {
			// Presumed dead and taken over by a retry, whose run is the
			// one that counts.
			o.Log.WarnContext(base, "idempotency key taken over while its request ran; its writes were rolled back", "key", rec.Key)
			inProgress(w, r)
			return
		}
		o.Log.ErrorContext(base, "committing a request with an idempotency key failed", "err", err)
		o.release(base, rec)
		w.Header().Set("Retry-After", "1")
		problem(w, r, http.StatusServiceUnavailable, "UNAVAILABLE",
			"the change could not be committed; retry with the same Idempotency-Key")
		return
	}
	if err != nil && !errors.Is(err, ErrClaimLost) {
		o.Log.ErrorContext(base, "idempotency key completion failed", "err", err)
		if keep {
			o.release(base, rec)
		}
	}
	if held {
		hook(o.Hooks.Committed)
	}
	effects.Run()
	c.send()
}

// release frees the key so that a retry runs the request again.
func (o *Options) release(ctx context.Context, rec *Record) {
	if err := o.Store.Release(ctx, rec.OrgID, rec.Key, rec.Claim); err != nil && !errors.Is(err, ErrClaimLost) {
		o.Log.ErrorContext(ctx, "idempotency key release failed", "err", err)
	}
}

// heartbeat keeps rec's claim fresh while its request runs, however long
// (an upload on a slow connection), so that it is not taken over; a claim
// whose process died stops beating and goes stale within StaleAfter.
func (o *Options) heartbeat(ctx context.Context, rec Record) {
	t := time.NewTicker(o.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		alive, err := o.Store.Heartbeat(ctx, &rec, o.now())
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			o.Log.WarnContext(ctx, "idempotency claim heartbeat failed", "err", err)
		case !alive:
			return // completed, released or taken over: the commit tells which
		}
	}
}
