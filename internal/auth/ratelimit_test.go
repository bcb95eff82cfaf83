package auth

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testClock is a clock that moves only when told, so that window tests need
// no sleeping.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock { return &testClock{now: t0} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestDecisionHeaderValues(t *testing.T) {
	tests := []struct {
		name string
		d    Decision
		want map[string]string
	}{
		{
			"allowed",
			Decision{Allowed: true, Limit: 10, Remaining: 9, ResetAfter: 6 * time.Second},
			map[string]string{"RateLimit-Limit": "10", "RateLimit-Remaining": "9", "RateLimit-Reset": "6"},
		},
		{
			"refused, rounded up",
			Decision{Limit: 5, ResetAfter: 59100 * time.Millisecond, RetryAfter: 11001 * time.Millisecond},
			map[string]string{"RateLimit-Limit": "5", "RateLimit-Remaining": "0", "RateLimit-Reset": "60", "Retry-After": "12"},
		},
		{
			"refused for under a second still says wait",
			Decision{Limit: 5, ResetAfter: 10 * time.Millisecond, RetryAfter: 0},
			map[string]string{"RateLimit-Limit": "5", "RateLimit-Remaining": "0", "RateLimit-Reset": "1", "Retry-After": "1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.d.HeaderValues()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// testLimiterWindow is the shared behaviour of every Limiter: N requests
// pass, the next is refused with the right wait, the allowance refills
// evenly and fully after the period. keyPrefix keeps runs apart.
func testLimiterWindow(t *testing.T, l Limiter, clock *testClock, key string) {
	t.Helper()
	ctx := context.Background()
	limit := Limit{Requests: 3, Per: time.Minute}
	allow := func() Decision {
		t.Helper()
		d, err := l.Allow(ctx, key, limit)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	ignore := cmp.Comparer(func(a, b time.Duration) bool { return (a - b).Abs() < time.Millisecond })
	steps := []struct {
		advance time.Duration
		want    Decision
	}{
		{0, Decision{Allowed: true, Limit: 3, Remaining: 2, ResetAfter: 20 * time.Second}},
		{0, Decision{Allowed: true, Limit: 3, Remaining: 1, ResetAfter: 40 * time.Second}},
		{0, Decision{Allowed: true, Limit: 3, Remaining: 0, ResetAfter: time.Minute}},
		{0, Decision{Allowed: false, Limit: 3, Remaining: 0, ResetAfter: time.Minute, RetryAfter: 20 * time.Second}},
		{19 * time.Second, Decision{Allowed: false, Limit: 3, Remaining: 0, ResetAfter: 41 * time.Second, RetryAfter: time.Second}},
		{time.Second, Decision{Allowed: true, Limit: 3, Remaining: 0, ResetAfter: time.Minute}},
		{2 * time.Minute, Decision{Allowed: true, Limit: 3, Remaining: 2, ResetAfter: 20 * time.Second}},
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		if diff := cmp.Diff(s.want, allow(), ignore); diff != "" {
			t.Fatalf("step %d (-want +got):\n%s", i, diff)
		}
	}
	if _, err := l.Allow(ctx, key, Limit{Requests: 0, Per: time.Minute}); err == nil {
		t.Error("a limit of zero requests was accepted")
	}
}

// testLimiterConcurrent proves that concurrent requests on one key cannot
// all read the same state and slip through together.
func testLimiterConcurrent(t *testing.T, l Limiter, key string) {
	t.Helper()
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			d, err := l.Allow(context.Background(), key, Limit{Requests: 10, Per: time.Minute})
			if err != nil {
				t.Error(err)
			}
			if d.Allowed {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n != 10 {
		t.Fatalf("%d of 100 concurrent requests allowed, want 10", n)
	}
}
