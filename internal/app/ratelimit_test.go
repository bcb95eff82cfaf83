package app_test

// Rate limits as clients meet them: login per address and per account, the
// API per user and per organization, shared through Redis between
// replicas, and still enforced when Redis is unreachable.

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/identity"
)

// TestLoginRateLimitPerIP: one address gets LoginPerIP attempts, then 429
// with the rate-limit headers, while other addresses carry on; the
// allowance comes back with time.
func TestLoginRateLimitPerIP(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Now())
		e := secEnv(t, engine, apptest.WithNow(clock.Now))
		ip := secIP()
		login := func(ip, email string) *apptest.Response {
			return e.Do(apptest.Request{Method: "POST", Path: "/api/auth/login", IP: ip,
				Body: map[string]any{"email": email, "password": "guessing again and again"}})
		}
		limit := identity.LoginPerIP.Requests
		// Each attempt costs a password hash, so most of the allowance is
		// spent on the app's own limiter under the login's key; the last
		// attempts go through HTTP and must count against the same
		// allowance for the next one to be refused.
		const real = 4
		for range limit - real {
			if d, err := e.App.Identity.Limiter.Allow(t.Context(), "login:ip:"+ip, identity.LoginPerIP); err != nil || !d.Allowed {
				t.Fatalf("spending the allowance: %+v, %v", d, err)
			}
		}
		// Distinct addresses keep the per-account limit out of the way.
		for i, r := range secConcurrently(real, func(int) *apptest.Response { return login(ip, secEmail("spray")) }) {
			secWantProblem(t, fmt.Sprintf("attempt %d", limit-real+i+1), r, 401, "INVALID_CREDENTIALS")
		}

		r := login(ip, secEmail("spray"))
		secWantProblem(t, fmt.Sprintf("attempt %d", limit+1), r, 429, "RATE_LIMITED")
		retry := secWantRateLimitHeaders(t, r, limit)

		secWantProblem(t, "another address meanwhile", login(secIP(), secEmail("spray")), 401, "INVALID_CREDENTIALS")
		clock.Advance(time.Duration(retry)*time.Second - time.Second)
		secWantProblem(t, "a second before Retry-After", login(ip, secEmail("spray")), 429, "RATE_LIMITED")
		clock.Advance(time.Second)
		secWantProblem(t, "after Retry-After", login(ip, secEmail("spray")), 401, "INVALID_CREDENTIALS")
	})
}

// TestLoginRateLimitPerAccount: one account gets LoginPerAccount attempts
// in its window however many addresses they come from; then even the right
// password waits.
func TestLoginRateLimitPerAccount(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Now())
		e := secEnv(t, engine, apptest.WithNow(clock.Now))
		u := e.Signup("Sprayed Fuel") // its login is the first attempt
		login := func(email, password string) *apptest.Response {
			return e.Do(apptest.Request{Method: "POST", Path: "/api/auth/login", IP: secIP(),
				Body: map[string]any{"email": email, "password": password}})
		}
		for i, r := range secConcurrently(identity.LoginPerAccount.Requests-1, func(int) *apptest.Response { return login(u.Email, "wrong password again") }) {
			secWantProblem(t, fmt.Sprintf("wrong password %d", i+1), r, 401, "INVALID_CREDENTIALS")
		}
		for _, email := range []string{u.Email, strings.ToUpper(u.Email)} {
			r := login(email, u.Password)
			secWantProblem(t, "the right password as "+email+" after the limit", r, 429, "RATE_LIMITED")
			if r.Header.Get("Retry-After") == "" || strings.Contains(string(r.Body), "accessToken") {
				t.Errorf("a refusal without Retry-After, or with tokens: %v %s", r.Header, r.Body)
			}
		}
		e.Must(200, e.Call("GET", "/api/auth/me", u.Access, nil)) // existing sessions are not affected
		clock.Advance(identity.LoginPerAccount.Per)
		e.Must(200, login(u.Email, u.Password))
	})
}

// TestAPIRateLimits: authenticated requests are limited per user and per
// organization (HSE_RATE_LIMIT_USER, HSE_RATE_LIMIT_ORG per minute), with
// the headers on every answer, and recover with time.
func TestAPIRateLimits(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Now())
		e := secEnv(t, engine, apptest.WithNow(clock.Now),
			apptest.WithEnv("HSE_RATE_LIMIT_USER", "5"), apptest.WithEnv("HSE_RATE_LIMIT_ORG", "8"))
		owner := e.Signup("Busy Fuel")
		member := e.Invite(owner, "sys-viewer", nil)
		clock.Advance(time.Minute) // the set-up's requests are forgotten

		me := func(u *apptest.User) *apptest.Response { return e.Call("GET", "/api/auth/me", u.Access, nil) }
		for i := range 5 {
			r := e.Must(200, me(owner))
			if got := r.Header.Get("RateLimit-Remaining"); got != strconv.Itoa(4-i) {
				t.Errorf("request %d: RateLimit-Remaining %q, want %d", i+1, got, 4-i)
			}
		}
		r := me(owner)
		secWantProblem(t, "the owner's 6th request", r, 429, "RATE_LIMITED")
		secWantRateLimitHeaders(t, r, 5)

		// The member has requests of their own left, but the organization
		// has 3 left of its 8.
		for range 3 {
			e.Must(200, me(member))
		}
		r = me(member)
		secWantProblem(t, "the organization's 9th request", r, 429, "RATE_LIMITED")
		secWantRateLimitHeaders(t, r, 8)

		clock.Advance(12 * time.Second) // one request per user in 60/5 s
		e.Must(200, me(owner))
		secWantProblem(t, "the owner again at once", me(owner), 429, "RATE_LIMITED")
		clock.Advance(time.Minute)
		for _, u := range []*apptest.User{owner, member, owner, member} {
			e.Must(200, me(u))
		}
	})
}

// TestRateLimitsSharedThroughRedis: two replicas on one database and one
// Redis count a user's requests together.
func TestRateLimitsSharedThroughRedis(t *testing.T) {
	t.Parallel()
	url := secRedisURL(t)
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		tg := hsetest.NewTarget(t, engine)
		opts := []apptest.Option{apptest.WithEnv("REDIS_URL", url), apptest.WithEnv("HSE_RATE_LIMIT_USER", "5")}
		one, two := apptest.NewAt(t, tg, opts...), apptest.NewAt(t, tg, opts...)
		secLogOnFailure(t, one)
		secLogOnFailure(t, two)
		// Redis outlives the test process: a fresh client address keeps the
		// signup and login limits of earlier runs away.
		one.IP = fmt.Sprintf("10.%d.%d.%d", rand.IntN(256), rand.IntN(256), rand.IntN(254)+1)
		u := one.Signup("Replicated Fuel")

		for i, e := range []*apptest.Env{one, two, one, two, one} {
			if r := e.Call("GET", "/api/auth/me", u.Access, nil); r.Status != 200 {
				t.Fatalf("request %d: %d %s", i+1, r.Status, r.Body)
			}
		}
		// Replica two has answered only two requests itself.
		for name, e := range map[string]*apptest.Env{"two": two, "one": one} {
			r := e.Call("GET", "/api/auth/me", u.Access, nil)
			secWantProblem(t, "the 6th request, on replica "+name, r, 429, "RATE_LIMITED")
		}
		n, err := one.App.Redis.Exists(t.Context(), "hse:rl:api:user:"+u.UserID).Result()
		if err != nil || n != 1 {
			t.Errorf("the user's counter in Redis: %d, %v", n, err)
		}
	})
}

// TestRateLimitsWithRedisDown: with Redis unreachable requests are still
// answered and still limited, never unlimited and never 500.
func TestRateLimitsWithRedisDown(t *testing.T) {
	t.Parallel()
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		clock := apptest.NewClock(time.Now())
		e := secEnv(t, engine, apptest.WithNow(clock.Now),
			apptest.WithEnv("REDIS_URL", "redis://127.0.0.1:1"), apptest.WithEnv("HSE_RATE_LIMIT_USER", "5"))
		if e.App.Redis == nil {
			t.Fatal("REDIS_URL was not used")
		}
		u := e.Signup("Outage Fuel")
		var got []int
		for range 7 {
			got = append(got, e.Call("GET", "/api/auth/me", u.Access, nil).Status)
		}
		if want := []int{200, 200, 200, 200, 200, 429, 429}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("statuses with Redis down: %v, want %v", got, want)
		}
		clock.Advance(12 * time.Second)
		e.Must(200, e.Call("GET", "/api/auth/me", u.Access, nil))
	})
}

// secConcurrently runs n calls of fn, as many at a time as there are
// processors (each login costs a password hash), and returns the answers
// in call order.
func secConcurrently(n int, fn func(i int) *apptest.Response) []*apptest.Response {
	out := make([]*apptest.Response, n)
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] = fn(i)
		})
	}
	wg.Wait()
	return out
}

// secWantRateLimitHeaders checks the headers of a 429 and returns
// Retry-After in seconds.
func secWantRateLimitHeaders(t *testing.T, r *apptest.Response, limit int) int {
	t.Helper()
	retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || retry < 1 {
		t.Errorf("Retry-After %q, want whole seconds >= 1", r.Header.Get("Retry-After"))
	}
	if got := r.Header.Get("RateLimit-Limit"); got != strconv.Itoa(limit) {
		t.Errorf("RateLimit-Limit %q, want %d", got, limit)
	}
	if got := r.Header.Get("RateLimit-Remaining"); got != "0" {
		t.Errorf("RateLimit-Remaining %q, want 0", got)
	}
	if reset, err := strconv.Atoi(r.Header.Get("RateLimit-Reset")); err != nil || reset < retry {
		t.Errorf("RateLimit-Reset %q, want whole seconds >= Retry-After %d", r.Header.Get("RateLimit-Reset"), retry)
	}
	return retry
}

// secRedisURL is HSE_TEST_REDIS_URL, required when CI=true.
func secRedisURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("HSE_TEST_REDIS_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("HSE_TEST_REDIS_URL must be set when CI=true: the shared rate limits are tested on Redis")
		}
		t.Skip("HSE_TEST_REDIS_URL is not set")
	}
	return u
}
