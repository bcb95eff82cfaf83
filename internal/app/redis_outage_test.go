package app_test

import (
	"net/url"
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// Failure mode 5 of the runbook: Redis goes away while the API serves. The
// platform must keep serving (degraded, not down), keep limiting requests
// in-process, and use Redis again when it returns.
func TestRedisOutageMidRun(t *testing.T) {
	t.Parallel()
	real := secRedisURL(t)
	u, err := url.Parse(real)
	if err != nil {
		t.Fatal(err)
	}
	proxy := hsetest.NewProxy(t, u.Host)
	u.Host = proxy.Addr()
	e := apptest.New(t, sqlstore.SQLite, apptest.WithEnv("REDIS_URL", u.String()), apptest.WithEnv("HSE_RATE_LIMIT_USER", "1000"))
	owner := e.Signup("Redis Outage Fuel")

	health := func() map[string]any { return e.Must(200, e.Call("GET", "/api/health", "", nil)).JSON(t) }
	if h := health(); h["status"] != "healthy" {
		t.Fatalf("health with Redis up: %v", h)
	}

	proxy.Cut() // Redis is gone: connections drop, new ones are refused
	for i := 0; i < 5; i++ {
		r := e.Call("GET", "/api/auth/me", owner.Access, nil)
		if r.Status != 200 {
			t.Fatalf("request %d with Redis down: %d %s", i, r.Status, r.Body)
		}
		if r.Header.Get("RateLimit-Limit") == "" {
			t.Errorf("request %d with Redis down carries no rate limit: limits must fall back in-process", i)
		}
	}
	if h := health(); h["status"] != "degraded" || h["checks"].(map[string]any)["redis"].(map[string]any)["status"] != "down" {
		t.Errorf("health with Redis down: %v", h)
	}
	e.Must(200, e.Call("GET", "/api/ready", "", nil))
	e.Must(200, e.Call("GET", "/api/live", "", nil))
	e.Must(201, e.Call("POST", "/api/roles", owner.Access, map[string]any{"name": "Written while Redis was down", "permissions": []string{"stations:read"}}))

	proxy.Restore()
	if h := health(); h["status"] != "healthy" {
		t.Errorf("health after Redis returned: %v", h)
	}
	e.Must(200, e.Call("GET", "/api/auth/me", owner.Access, nil))
}
