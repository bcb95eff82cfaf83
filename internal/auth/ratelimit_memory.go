package auth

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

// memoryShards spreads keys over independent locks so that concurrent
// requests for different keys rarely wait on each other.
const memoryShards = 32

// sweepEvery is how often a shard drops keys whose allowance is full again;
// such keys carry no information, so forgetting them changes no decision.
const sweepEvery = time.Minute

// MemoryLimiter is a Limiter that keeps its state in this process. It is the
// limiter of single-process deployments and the fallback when Redis is down.
// With several replicas each one counts separately.
type MemoryLimiter struct {
	now      func() time.Time
	seed     maphash.Seed
	perShard int
	shards   [memoryShards]memoryShard
}

type memoryShard struct {
	mu        sync.Mutex
	tats      map[string]time.Time // key -> theoretical arrival time
	lastSweep time.Time
}

// NewMemoryLimiter returns an in-process limiter. Options: WithClock,
// WithMaxKeys.
func NewMemoryLimiter(opts ...LimiterOption) *MemoryLimiter {
	c := newLimiterConfig(opts)
	l := &MemoryLimiter{
		now:      c.now,
		seed:     maphash.MakeSeed(),
		perShard: max(1, c.maxKeys/memoryShards),
	}
	for i := range l.shards {
		l.shards[i].tats = make(map[string]time.Time)
	}
	return l
}

// Allow implements Limiter. It never fails except on an invalid limit.
func (l *MemoryLimiter) Allow(_ context.Context, key string, limit Limit) (Decision, error) {
	if err := limit.validate(); err != nil {
		return Decision{}, err
	}
	now := l.now()
	s := &l.shards[maphash.String(l.seed, key)%memoryShards]
	s.mu.Lock()
	defer s.mu.Unlock()
	tat, known := s.tats[key]
	if !known {
		s.makeRoom(now, l.perShard)
	} else if now.Sub(s.lastSweep) >= sweepEvery {
		s.sweep(now)
	}
	d, newTAT := gcra(now, tat, limit)
	if d.Allowed {
		s.tats[key] = newTAT
	}
	return d, nil
}

// Len returns the number of keys held, for tests and metrics.
func (l *MemoryLimiter) Len() int {
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.tats)
		s.mu.Unlock()
	}
	return n
}

// sweep drops the keys whose allowance has fully returned.
func (s *memoryShard) sweep(now time.Time) {
	for k, tat := range s.tats {
		if !tat.After(now) {
			delete(s.tats, k)
		}
	}
	s.lastSweep = now
}

// makeRoom keeps the shard below its share of the key cap before a new key
// is added: first by sweeping, then, under a flood of live keys, by evicting
// arbitrary ones. Eviction hands those keys a fresh allowance, which is the
// price of bounded memory; it only happens while an attacker spends more
// distinct keys than the cap.
func (s *memoryShard) makeRoom(now time.Time, capacity int) {
	// Sweeping a full shard costs a pass over it, so under a flood it is
	// done at most once a second and eviction does the rest.
	sinceSweep := now.Sub(s.lastSweep)
	if sinceSweep >= sweepEvery || (len(s.tats) >= capacity && sinceSweep >= time.Second) {
		s.sweep(now)
	}
	for k := range s.tats {
		if len(s.tats) < capacity {
			break
		}
		delete(s.tats, k)
	}
}
