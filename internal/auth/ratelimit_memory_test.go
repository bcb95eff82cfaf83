package auth

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestMemoryLimiterWindow(t *testing.T) {
	clock := newTestClock()
	testLimiterWindow(t, NewMemoryLimiter(WithClock(clock.Now)), clock, "login:ip:192.0.2.1")
}

func TestMemoryLimiterConcurrent(t *testing.T) {
	clock := newTestClock()
	testLimiterConcurrent(t, NewMemoryLimiter(WithClock(clock.Now)), "login:ip:192.0.2.1")
}

func TestMemoryLimiterKeysAreIndependent(t *testing.T) {
	l := NewMemoryLimiter(WithClock(newTestClock().Now))
	limit := Limit{Requests: 1, Per: time.Minute}
	steps := []struct {
		key  string
		want bool
	}{{"a", true}, {"b", true}, {"a", false}}
	for _, s := range steps {
		if d, _ := l.Allow(context.Background(), s.key, limit); d.Allowed != s.want {
			t.Fatalf("key %s: allowed = %v, want %v", s.key, d.Allowed, s.want)
		}
	}
}

// Keys whose allowance is full again are forgotten, so memory follows the
// active keys, not every key ever seen.
func TestMemoryLimiterSweepsIdleKeys(t *testing.T) {
	clock := newTestClock()
	l := NewMemoryLimiter(WithClock(clock.Now))
	limit := Limit{Requests: 5, Per: time.Second}
	allowMany(t, l, "old", 1000, limit)
	clock.Advance(sweepEvery)
	allowMany(t, l, "new", 1000, limit)
	if n := l.Len(); n != 1000 {
		t.Fatalf("Len = %d after idle keys expired, want 1000", n)
	}
}

func TestMemoryLimiterMaxKeys(t *testing.T) {
	l := NewMemoryLimiter(WithClock(newTestClock().Now), WithMaxKeys(64))
	allowMany(t, l, "flood", 5000, Limit{Requests: 5, Per: time.Hour})
	if n := l.Len(); n > 64 {
		t.Fatalf("Len = %d, want at most 64", n)
	}
}

func allowMany(t *testing.T, l Limiter, prefix string, n int, limit Limit) {
	t.Helper()
	for i := range n {
		if _, err := l.Allow(context.Background(), fmt.Sprintf("%s-%d", prefix, i), limit); err != nil {
			t.Fatal(err)
		}
	}
}
