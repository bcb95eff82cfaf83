package auth

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Limiter decides whether one more request under key is allowed. The
// algorithm is GCRA (the generic cell rate algorithm): it stores one
// timestamp per key, spreads the allowance evenly over the period, and still
// lets a client that was quiet spend the whole allowance at once.
type Limiter interface {
	Allow(ctx context.Context, key string, limit Limit) (Decision, error)
}

// Limit allows Requests per Per, for example 5 login attempts per minute.
// Callers give each rule its own key namespace ("login:ip:...",
// "login:email:..."), since one key's state is only meaningful under one
// limit.
type Limit struct {
	Requests int
	Per      time.Duration
}

// interval is the time one request "costs": the allowance refills at one
// request per interval.
func (l Limit) interval() time.Duration { return l.Per / time.Duration(l.Requests) }

func (l Limit) validate() error {
	if l.Requests <= 0 || l.Per <= 0 || l.interval() <= 0 {
		return fmt.Errorf("auth: invalid rate limit %d per %v", l.Requests, l.Per)
	}
	return nil
}

// Decision is the outcome of one Allow call.
type Decision struct {
	Allowed    bool
	Limit      int           // the limit's Requests
	Remaining  int           // requests that would still be allowed right now
	ResetAfter time.Duration // until the full allowance is back
	RetryAfter time.Duration // until the next request is allowed; zero when allowed
}

// LimitedError is the cause of a request refused by a limit. Services wrap
// it in their own error so that the HTTP layer can still send the
// decision's headers.
type LimitedError struct {
	Decision Decision
}

func (e *LimitedError) Error() string {
	return fmt.Sprintf("rate limit of %d exceeded; retry after %v", e.Decision.Limit, e.Decision.RetryAfter)
}

// HeaderValues returns the rate-limit response headers for d, keyed by
// header name (RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset and,
// when refused, Retry-After), with durations in whole seconds rounded up so
// that a client waiting that long is not refused again. The HTTP layer only
// copies them.
func (d Decision) HeaderValues() map[string]string {
	h := map[string]string{
		"RateLimit-Limit":     strconv.Itoa(d.Limit),
		"RateLimit-Remaining": strconv.Itoa(d.Remaining),
		"RateLimit-Reset":     strconv.FormatInt(ceilSeconds(d.ResetAfter), 10),
	}
	if !d.Allowed {
		h["Retry-After"] = strconv.FormatInt(max(1, ceilSeconds(d.RetryAfter)), 10)
	}
	return h
}

func ceilSeconds(d time.Duration) int64 {
	return int64((max(d, 0) + time.Second - 1) / time.Second)
}

// gcra applies one request at time now to a key whose theoretical arrival
// time is tat (zero for a new key). It returns the decision and the new tat
// to store when the request is allowed.
func gcra(now, tat time.Time, l Limit) (Decision, time.Time) {
	if tat.Before(now) {
		tat = now
	}
	newTAT := tat.Add(l.interval())
	allowAt := newTAT.Add(-l.Per)
	if now.Before(allowAt) {
		return decision(l, false, tat.Sub(now), allowAt.Sub(now)), tat
	}
	return decision(l, true, newTAT.Sub(now), 0), newTAT
}

// decision fills in a Decision from the raw GCRA outcome, shared by the
// in-process and Redis limiters so both report the same numbers.
func decision(l Limit, allowed bool, resetAfter, retryAfter time.Duration) Decision {
	d := Decision{Allowed: allowed, Limit: l.Requests, ResetAfter: resetAfter, RetryAfter: retryAfter}
	if allowed {
		d.Remaining = min(l.Requests, max(0, int((l.Per-resetAfter)/l.interval())))
	}
	return d
}

// LimiterOption adjusts a limiter made by NewMemoryLimiter, NewRedisLimiter
// or NewFallback; each uses the options that concern it.
type LimiterOption func(*limiterConfig)

type limiterConfig struct {
	now        func() time.Time
	maxKeys    int
	prefix     string
	retryEvery time.Duration
	timeout    time.Duration
}

func newLimiterConfig(opts []LimiterOption) limiterConfig {
	c := limiterConfig{
		now:        time.Now,
		maxKeys:    100_000,
		prefix:     "hse:rl:",
		retryEvery: 5 * time.Second,
		timeout:    250 * time.Millisecond,
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithClock replaces time.Now, for tests.
func WithClock(now func() time.Time) LimiterOption {
	return func(c *limiterConfig) { c.now = now }
}

// WithMaxKeys bounds the keys an in-process limiter remembers (default
// 100,000, a few megabytes), so that a flood of distinct keys cannot exhaust
// memory.
func WithMaxKeys(n int) LimiterOption {
	return func(c *limiterConfig) { c.maxKeys = max(n, 1) }
}

// WithKeyPrefix sets the prefix of Redis keys (default "hse:rl:").
func WithKeyPrefix(p string) LimiterOption {
	return func(c *limiterConfig) { c.prefix = p }
}

// WithRetryEvery sets how long a Fallback answers from memory after a
// Redis failure before trying Redis again (default 5 s).
func WithRetryEvery(d time.Duration) LimiterOption {
	return func(c *limiterConfig) { c.retryEvery = d }
}

// WithRedisTimeout bounds each Redis call made by a Fallback (default
// 250 ms): a rate-limit check must never hold a request up for long.
func WithRedisTimeout(d time.Duration) LimiterOption {
	return func(c *limiterConfig) { c.timeout = d }
}
