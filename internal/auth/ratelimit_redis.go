package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// gcraScript runs the whole GCRA step inside Redis, so that concurrent
// requests from every replica are serialised on the key and none can read a
// stale value. Times are integer microseconds: exact in Lua's doubles for
// centuries, unlike nanoseconds.
//
// KEYS[1] key; ARGV now, interval, period (µs).
// Returns {allowed (0/1), reset after (µs), retry after (µs)}.
var gcraScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local period = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - period
if now < allow_at then
  return {0, tat - now, allow_at - now}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000))
return {1, new_tat - now, 0}
`)

// RedisLimiter is a Limiter whose state lives in Redis, shared by all
// replicas. Each key expires as soon as its allowance is full again, so
// Redis holds only keys that are in use.
type RedisLimiter struct {
	rdb    redis.Scripter
	prefix string
	now    func() time.Time
}

// NewRedisLimiter returns a limiter on rdb (a *redis.Client, a cluster or
// ring client). Options: WithKeyPrefix, WithClock. The clock is this
// process's: replicas synchronised by NTP agree to within a few
// milliseconds, which is far below any interval worth limiting on.
func NewRedisLimiter(rdb redis.Scripter, opts ...LimiterOption) *RedisLimiter {
	c := newLimiterConfig(opts)
	return &RedisLimiter{rdb: rdb, prefix: c.prefix, now: c.now}
}

// Allow implements Limiter. Errors are Redis's; wrap the limiter in a
// Fallback to keep limiting while Redis is unavailable.
func (l *RedisLimiter) Allow(ctx context.Context, key string, limit Limit) (Decision, error) {
	if err := limit.validate(); err != nil {
		return Decision{}, err
	}
	us := func(d time.Duration) int64 { return max(1, d.Microseconds()) }
	res, err := gcraScript.Run(ctx, l.rdb, []string{l.prefix + key},
		l.now().UnixMicro(), us(limit.interval()), us(limit.Per)).Int64Slice()
	if err != nil {
		return Decision{}, fmt.Errorf("rate limit on redis: %w", err)
	}
	if len(res) != 3 {
		return Decision{}, fmt.Errorf("rate limit on redis: unexpected reply %v", res)
	}
	return decision(limit, res[0] == 1,
		time.Duration(res[1])*time.Microsecond, time.Duration(res[2])*time.Microsecond), nil
}
