package auth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

var fallbackLimit = Limit{Requests: 3, Per: time.Minute}

// A Redis that cannot be reached still leaves requests limited, and the
// caller never sees an error.
func TestFallbackWithRedisDown(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	var logs bytes.Buffer
	f := NewFallback(NewRedisLimiter(rdb), NewMemoryLimiter(), slog.New(slog.NewTextHandler(&logs, nil)), WithRetryEvery(time.Millisecond))
	for i, want := range []bool{true, true, true, false, false} {
		d, err := f.Allow(context.Background(), "k", fallbackLimit)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if d.Allowed != want {
			t.Fatalf("request %d: allowed = %v, want %v", i, d.Allowed, want)
		}
	}
	if !f.Degraded() {
		t.Error("Degraded = false with Redis down")
	}
	if n := strings.Count(logs.String(), "falls back"); n != 1 {
		t.Errorf("logged the fallback %d times, want once:\n%s", n, logs.String())
	}
}

// flakyLimiter stands in for Redis where the test must count calls.
type flakyLimiter struct {
	mu    sync.Mutex
	down  bool
	calls int
}

func (l *flakyLimiter) Allow(context.Context, string, Limit) (Decision, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.down {
		return Decision{}, errors.New("connection refused")
	}
	return Decision{Allowed: true, Limit: 3, Remaining: 2}, nil
}

// While Redis is down, only one request every retry period probes it;
// the rest do not pay its timeout.
func TestFallbackProbesRarely(t *testing.T) {
	clock := newTestClock()
	primary := &flakyLimiter{down: true}
	var logs bytes.Buffer
	f := NewFallback(primary, NewMemoryLimiter(WithClock(clock.Now)), slog.New(slog.NewTextHandler(&logs, nil)),
		WithClock(clock.Now), WithRetryEvery(5*time.Second))
	allow := func() {
		t.Helper()
		if _, err := f.Allow(context.Background(), "k", fallbackLimit); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		advance   time.Duration
		down      bool
		wantCalls int
		degraded  bool
	}{
		{0, true, 1, true},               // fails, falls back
		{time.Second, true, 1, true},     // within the retry period: local only
		{4 * time.Second, true, 2, true}, // probe, still down
		{time.Second, false, 2, true},    // up again, but no probe is due yet
		{4 * time.Second, false, 3, false},
		{0, false, 4, false}, // healthy: every request goes to Redis
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		primary.mu.Lock()
		primary.down = s.down
		primary.mu.Unlock()
		allow()
		if primary.calls != s.wantCalls || f.Degraded() != s.degraded {
			t.Fatalf("step %d: %d calls to Redis, degraded %v; want %d, %v", i, primary.calls, f.Degraded(), s.wantCalls, s.degraded)
		}
	}
	out := logs.String()
	if strings.Count(out, "falls back") != 1 || strings.Count(out, "back on redis") != 1 {
		t.Errorf("want one line for the fallback and one for the return:\n%s", out)
	}
}

func TestFallbackRefusesInvalidLimit(t *testing.T) {
	f := NewFallback(&flakyLimiter{}, NewMemoryLimiter(), nil)
	if _, err := f.Allow(context.Background(), "k", Limit{Requests: 1}); err == nil {
		t.Fatal("a limit without a period was accepted")
	}
}

// A real Redis connection that goes away mid-run: the limiter falls back,
// and uses Redis again once it is reachable.
func TestFallbackSurvivesRedisOutage(t *testing.T) {
	real := testRedis(t)
	prefix := testKeyPrefix(t, real)
	proxy := startProxy(t, real.Options().Addr, "127.0.0.1:0")
	rdb := redis.NewClient(&redis.Options{Addr: proxy.addr, DB: real.Options().DB, DialTimeout: 200 * time.Millisecond, MaxRetries: 1})
	t.Cleanup(func() { rdb.Close() })
	clock := newTestClock()
	f := NewFallback(NewRedisLimiter(rdb, WithKeyPrefix(prefix)), NewMemoryLimiter(), nil,
		WithClock(clock.Now), WithRetryEvery(5*time.Second))
	ctx := context.Background()
	allow := func(key string) Decision {
		t.Helper()
		d, err := f.Allow(ctx, key, fallbackLimit)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	inRedis := func(key string) bool {
		t.Helper()
		n, err := real.Exists(ctx, prefix+key).Result()
		if err != nil {
			t.Fatal(err)
		}
		return n == 1
	}

	allow("before")
	if !inRedis("before") || f.Degraded() {
		t.Fatal("the limiter did not use Redis while it was up")
	}

	proxy.Close()
	for i, want := range []bool{true, true, true, false} {
		if d := allow("during"); d.Allowed != want {
			t.Fatalf("request %d during the outage: allowed = %v, want %v", i, d.Allowed, want)
		}
	}
	if !f.Degraded() || inRedis("during") {
		t.Fatal("the limiter did not fall back while Redis was unreachable")
	}

	proxy = startProxy(t, real.Options().Addr, proxy.addr)
	clock.Advance(5 * time.Second)
	allow("after")
	if f.Degraded() || !inRedis("after") {
		t.Fatal("the limiter did not return to Redis once it was reachable again")
	}
}

// tcpProxy forwards connections to Redis until closed, when it drops them
// all at once, as a network failure or a Redis restart would.
type tcpProxy struct {
	addr  string
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

func startProxy(t *testing.T, target, addr string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{addr: ln.Addr().String(), ln: ln}
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			p.wg.Go(func() { io.Copy(up, c); up.Close() })
			p.wg.Go(func() { io.Copy(c, up); c.Close() })
		}
	})
	t.Cleanup(p.Close)
	return p
}

func (p *tcpProxy) Close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}
