package auth

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
)

// testRedis connects to the Redis at HSE_TEST_REDIS_URL. Without it the
// test is skipped on a laptop but fails in CI, where a silently skipped
// Redis suite would hide a broken limiter.
func testRedis(t *testing.T) *redis.Client {
	t.Helper()
	url := os.Getenv("HSE_TEST_REDIS_URL")
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("HSE_TEST_REDIS_URL is not set; CI must run the Redis tests")
		}
		t.Skip("HSE_TEST_REDIS_URL is not set")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("HSE_TEST_REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("redis at HSE_TEST_REDIS_URL: %v", err)
	}
	return rdb
}

// testKeyPrefix returns a key prefix of its own for this test and deletes
// its keys afterwards, so that tests and runs cannot see each other.
func testKeyPrefix(t *testing.T, rdb *redis.Client) string {
	t.Helper()
	prefix := "hse:rl:test:" + uuid.NewString() + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := rdb.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
	})
	return prefix
}

func TestRedisLimiterWindow(t *testing.T) {
	rdb := testRedis(t)
	clock := newTestClock()
	l := NewRedisLimiter(rdb, WithKeyPrefix(testKeyPrefix(t, rdb)), WithClock(clock.Now))
	testLimiterWindow(t, l, clock, "login:ip:192.0.2.1")
}

func TestRedisLimiterConcurrent(t *testing.T) {
	rdb := testRedis(t)
	l := NewRedisLimiter(rdb, WithKeyPrefix(testKeyPrefix(t, rdb)))
	testLimiterConcurrent(t, l, "login:ip:192.0.2.1")
}

// Keys expire when their allowance is full again, so Redis keeps only
// active keys.
func TestRedisLimiterKeyExpires(t *testing.T) {
	rdb := testRedis(t)
	prefix := testKeyPrefix(t, rdb)
	l := NewRedisLimiter(rdb, WithKeyPrefix(prefix))
	if _, err := l.Allow(context.Background(), "k", Limit{Requests: 4, Per: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	ttl, err := rdb.PTTL(context.Background(), prefix+"k").Result()
	if err != nil || ttl <= 0 || ttl > 500*time.Millisecond {
		t.Fatalf("PTTL = %v, %v; want one interval (500ms)", ttl, err)
	}
}

func TestNewRedisLimiterDefaultPrefix(t *testing.T) {
	if l := NewRedisLimiter(nil); l.prefix != "hse:rl:" {
		t.Fatalf("default prefix = %q", l.prefix)
	}
}
