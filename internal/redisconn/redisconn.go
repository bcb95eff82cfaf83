// Package redisconn opens the optional Redis connection. Redis is never
// required: callers treat it as down and fall back to in-process behaviour.
package redisconn

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Open parses a redis:// or rediss:// URL and returns a client with short
// timeouts, so that a Redis outage degrades requests instead of hanging them.
// It does not connect; the first command does.
func Open(url string) (*redis.Client, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	opts.DialTimeout = 2 * time.Second
	opts.ReadTimeout = time.Second
	opts.WriteTimeout = time.Second
	opts.PoolTimeout = 2 * time.Second
	opts.MaxRetries = 1
	// Honour context deadlines too, so a hung Redis costs a request no more
	// than its caller allows (the rate limiter gives it 250 ms).
	opts.ContextTimeoutEnabled = true
	return redis.NewClient(opts), nil
}

// Ping checks that Redis answers within the context's deadline.
func Ping(ctx context.Context, c *redis.Client) error {
	return c.Ping(ctx).Err()
}
