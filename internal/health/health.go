// Package health answers the three probes: liveness (the process runs),
// readiness (this replica should get traffic) and the detailed health report
// with one entry per dependency.
package health

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Overall statuses of the health report.
const (
	Healthy   = "healthy"
	Degraded  = "degraded"
	Unhealthy = "unhealthy"
)

// Statuses of one dependency.
const (
	Up            = "up"
	Down          = "down"
	NotConfigured = "not_configured"
)

// Database is what the checks need from the store.
type Database interface {
	Ping(ctx context.Context) error
	Engine() string
	CheckSchema(ctx context.Context) (current, needed int64, err error)
}

// Pinger is an optional dependency such as Redis.
type Pinger func(ctx context.Context) error

// Checker runs the checks. The zero value is not usable; build it with New.
type Checker struct {
	DB      Database
	Redis   Pinger // nil when Redis is not configured
	DataDir string // local file storage; must exist and be writable
	Timeout time.Duration

	started  time.Time
	draining atomic.Bool
}

// New returns a checker whose uptime starts now.
func New(db Database, redis Pinger, dataDir string) *Checker {
	return &Checker{DB: db, Redis: redis, DataDir: dataDir, Timeout: 2 * time.Second, started: time.Now()}
}

// SetDraining makes readiness fail from now on: the server is shutting down.
func (c *Checker) SetDraining() { c.draining.Store(true) }

// Draining reports whether shutdown has begun.
func (c *Checker) Draining() bool { return c.draining.Load() }

// Uptime is the time since the checker was built.
func (c *Checker) Uptime() time.Duration { return time.Since(c.started) }

// Ready returns nil when this replica should receive traffic, or an error
// naming the failing check.
func (c *Checker) Ready(ctx context.Context) (failing string, err error) {
	if c.Draining() {
		return "draining", errors.New("the server is shutting down")
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	if err := c.DB.Ping(ctx); err != nil {
		return "database", fmt.Errorf("the database does not answer: %s", describe(ctx, err))
	}
	if _, _, err := c.DB.CheckSchema(ctx); err != nil {
		return "schema", err
	}
	return "", nil
}

// Check is the result for one dependency.
type Check struct {
	Status                string   `json:"status" enum:"up,down,not_configured"`
	Required              bool     `json:"required"`
	LatencyMS             float64  `json:"latencyMs"`
	Engine                string   `json:"engine,omitempty"`
	SchemaVersion         *int64   `json:"schemaVersion,omitempty"`
	RequiredSchemaVersion *int64   `json:"requiredSchemaVersion,omitempty"`
	Error                 string   `json:"error,omitempty"`
	Notes                 []string `json:"notes,omitempty"`
}

// Report is the detailed health of the replica.
type Report struct {
	Status        string           `json:"status" enum:"healthy,degraded,unhealthy"`
	Checks        map[string]Check `json:"checks"`
	UptimeSeconds float64          `json:"uptime"`
	Draining      bool             `json:"draining"`
}

// Report checks every dependency at once, each within the timeout, so a hung
// dependency never hangs the endpoint.
func (c *Checker) Report(ctx context.Context) Report {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	var mu sync.Mutex
	checks := map[string]Check{}
	var wg sync.WaitGroup
	run := func(name string, fn func(context.Context) Check) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			ch := fn(ctx)
			ch.LatencyMS = float64(time.Since(start).Microseconds()) / 1000
			mu.Lock()
			checks[name] = ch
			mu.Unlock()
		}()
	}
	run("database", c.checkDatabase)
	run("redis", c.checkRedis)
	run("storage", c.checkStorage)
	wg.Wait()

	status := Healthy
	for _, ch := range checks {
		if ch.Status != Down {
			continue
		}
		if ch.Required {
			status = Unhealthy
		} else if status == Healthy {
			status = Degraded
		}
	}
	return Report{Status: status, Checks: checks, UptimeSeconds: c.Uptime().Seconds(), Draining: c.Draining()}
}

func (c *Checker) checkDatabase(ctx context.Context) Check {
	ch := Check{Status: Up, Required: true, Engine: c.DB.Engine()}
	if err := c.DB.Ping(ctx); err != nil {
		ch.Status, ch.Error = Down, describe(ctx, err)
		return ch
	}
	cur, need, err := c.DB.CheckSchema(ctx)
	ch.SchemaVersion, ch.RequiredSchemaVersion = &cur, &need
	if err != nil {
		ch.Status, ch.Error = Down, err.Error()
	}
	if ctx.Err() != nil {
		ch.Status, ch.Error = Down, describe(ctx, ctx.Err())
	}
	return ch
}

func (c *Checker) checkRedis(ctx context.Context) Check {
	if c.Redis == nil {
		return Check{Status: NotConfigured, Notes: []string{"rate limits and caches are in-process"}}
	}
	ch := Check{Status: Up}
	if err := c.Redis(ctx); err != nil {
		ch.Status, ch.Error = Down, describe(ctx, err)
		ch.Notes = []string{"serving with in-process rate limits and caches"}
	}
	return ch
}

func (c *Checker) checkStorage(ctx context.Context) Check {
	ch := Check{Status: Up, Required: true}
	done := make(chan error, 1)
	go func() { done <- writable(c.DataDir) }()
	select {
	case err := <-done:
		if err != nil {
			ch.Status, ch.Error = Down, err.Error()
		}
	case <-ctx.Done():
		ch.Status, ch.Error = Down, describe(ctx, ctx.Err())
	}
	return ch
}

// writable proves the directory accepts files by creating and removing one.
func writable(dir string) error {
	f, err := os.CreateTemp(dir, ".health-*")
	if err != nil {
		return errors.New("the data directory is not writable")
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// describe turns an error into a short message that is safe to show on an
// unauthenticated endpoint: no connection strings, no hosts.
func describe(ctx context.Context, err error) string {
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		return "timed out"
	}
	return "unreachable"
}
