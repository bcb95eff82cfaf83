package auth

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Fallback is a Limiter that asks a shared limiter (Redis) and, when that
// fails, answers from an in-process one. Requests are therefore always
// limited, per replica instead of globally while Redis is down, and never
// fail because of Redis. After a failure it stays on the local limiter for
// a while before trying Redis again, so an outage does not add a connect
// timeout to every request.
type Fallback struct {
	primary, local Limiter
	log            *slog.Logger
	now            func() time.Time
	retryEvery     time.Duration
	timeout        time.Duration

	mu       sync.Mutex
	degraded bool      // answering from local since a primary failure
	retryAt  time.Time // when the next probe of primary is due
}

// NewFallback returns a limiter that prefers primary and falls back to
// local. log receives one line when it falls back and one when it returns,
// not one per request; nil discards them. Options: WithRetryEvery,
// WithRedisTimeout, WithClock.
func NewFallback(primary, local Limiter, log *slog.Logger, opts ...LimiterOption) *Fallback {
	c := newLimiterConfig(opts)
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Fallback{primary: primary, local: local, log: log, now: c.now, retryEvery: c.retryEvery, timeout: c.timeout}
}

// Allow implements Limiter. Its only error is an invalid limit, a
// programming mistake that no fallback could hide.
func (f *Fallback) Allow(ctx context.Context, key string, limit Limit) (Decision, error) {
	if err := limit.validate(); err != nil {
		return Decision{}, err
	}
	if !f.shouldTryPrimary() {
		return f.local.Allow(ctx, key, limit)
	}
	pctx, cancel := context.WithTimeout(ctx, f.timeout)
	d, err := f.primary.Allow(pctx, key, limit)
	cancel()
	if err == nil {
		f.recovered()
		return d, nil
	}
	// A request abandoned by its client says nothing about Redis.
	if ctx.Err() == nil {
		f.failed(err)
	}
	return f.local.Allow(ctx, key, limit)
}

// Degraded reports whether the limiter is answering from memory, for the
// readiness report and metrics.
func (f *Fallback) Degraded() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.degraded
}

// shouldTryPrimary says whether this request goes to primary: always while
// it is healthy; while degraded, only the first request after retryAt, which
// pushes retryAt on so that other requests meanwhile stay local.
func (f *Fallback) shouldTryPrimary() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.degraded {
		return true
	}
	now := f.now()
	if now.Before(f.retryAt) {
		return false
	}
	f.retryAt = now.Add(f.retryEvery)
	return true
}

func (f *Fallback) failed(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.retryAt = f.now().Add(f.retryEvery)
	if !f.degraded {
		f.degraded = true
		f.log.Warn("rate limiting falls back to in-process counters: redis unavailable",
			"error", err, "retry_every", f.retryEvery)
	}
}

func (f *Fallback) recovered() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.degraded {
		f.degraded = false
		f.log.Info("rate limiting is back on redis")
	}
}
