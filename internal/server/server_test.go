package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/buildinfo"
	"github.com/hsedigital/hse/internal/health"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/httpapi"
	"github.com/hsedigital/hse/internal/logging"
	"github.com/hsedigital/hse/internal/server"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fixtureLogLevel is debug so tests see every line; the benchmark raises it
// to info, as in production.
var fixtureLogLevel = slog.LevelDebug

type fixture struct {
	srv     *server.Server
	checker *health.Checker
	metrics *server.Metrics
	logs    *syncBuffer
	db      *sqlstore.DB
}

// newFixture assembles the server as `hse serve` does, on a real database,
// plus test routes that block or panic.
func newFixture(t *testing.T, db *sqlstore.DB, redis health.Pinger, opts server.Options) *fixture {
	t.Helper()
	logs := &syncBuffer{}
	log := logging.New(logs, "json", fixtureLogLevel)
	checker := health.New(db, redis, t.TempDir())
	checker.Timeout = 500 * time.Millisecond
	metrics := server.NewMetrics(db.Pools())
	mux := http.NewServeMux()
	httpapi.New(mux, httpapi.Deps{Logger: log, Health: checker, Build: buildinfo.Info{Version: "test"}})
	mux.HandleFunc("GET /api/test/panic/{id}", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	mux.HandleFunc("GET /api/test/slow", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		io.WriteString(w, "finished")
	})
	return &fixture{srv: server.New(opts, log, checker, metrics, mux), checker: checker, metrics: metrics, logs: logs, db: db}
}

func (f *fixture) get(t *testing.T, path string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, req)
	return rec
}

func decode(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, rec.Body.String())
	}
	return m
}

func TestProbesOnHealthyDatabase(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, hsetest.MigratedDB(t, engine), nil, server.Options{})
		if rec := f.get(t, "/api/live"); rec.Code != 200 || decode(t, rec)["status"] != "alive" {
			t.Errorf("live: %d %s", rec.Code, rec.Body)
		}
		if rec := f.get(t, "/api/ready"); rec.Code != 200 || decode(t, rec)["status"] != "ready" {
			t.Errorf("ready: %d %s", rec.Code, rec.Body)
		}
		rec := f.get(t, "/api/health")
		body := decode(t, rec)
		if rec.Code != 200 || body["status"] != "healthy" || body["version"] != "test" {
			t.Fatalf("health: %d %s", rec.Code, rec.Body)
		}
		db := body["checks"].(map[string]any)["database"].(map[string]any)
		if db["status"] != "up" || db["engine"] != engine || db["schemaVersion"].(float64) != float64(sqlstore.LatestVersion(engine)) {
			t.Errorf("database check: %v", db)
		}
		if _, ok := db["latencyMs"]; !ok {
			t.Error("database check has no latency")
		}
	})
}

// A database that goes away makes the replica unready and unhealthy, but
// never fails liveness: a blip must not restart pods.
func TestDatabaseUnreachable(t *testing.T) {
	t.Run("sqlite closed", func(t *testing.T) {
		db := hsetest.MigratedDB(t, sqlstore.SQLite)
		f := newFixture(t, db, nil, server.Options{})
		db.Close()
		assertDatabaseDown(t, f)
	})
	t.Run("postgres cut", func(t *testing.T) {
		tg := hsetest.NewTarget(t, sqlstore.Postgres)
		// Route the connection through a proxy we can cut.
		proxy := hsetest.NewProxy(t, "127.0.0.1:5432")
		tg.Options.URL = strings.Replace(tg.Options.URL, "127.0.0.1:5432", proxy.Addr(), 1)
		if !strings.Contains(tg.Options.URL, proxy.Addr()) {
			t.Fatalf("HSE_TEST_POSTGRES_URL must point at 127.0.0.1:5432 for this test, got %s", tg.Options.URL)
		}
		db, err := sqlstore.Open(context.Background(), tg.Options)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		m, _ := db.Migrator(context.Background(), nil)
		if _, err := m.Up(context.Background()); err != nil {
			t.Fatal(err)
		}
		f := newFixture(t, db, nil, server.Options{})
		if rec := f.get(t, "/api/ready"); rec.Code != 200 {
			t.Fatalf("ready before the cut: %d %s", rec.Code, rec.Body)
		}
		proxy.Cut()
		assertDatabaseDown(t, f)
		proxy.Restore()
		waitFor(t, func() bool { return f.get(t, "/api/ready").Code == 200 })
	})
	t.Run("postgres hung", func(t *testing.T) {
		tg := hsetest.NewTarget(t, sqlstore.Postgres)
		proxy := hsetest.NewProxy(t, "127.0.0.1:5432")
		tg.Options.URL = strings.Replace(tg.Options.URL, "127.0.0.1:5432", proxy.Addr(), 1)
		db, err := sqlstore.Open(context.Background(), tg.Options)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		f := newFixture(t, db, nil, server.Options{})
		proxy.Stall()
		start := time.Now()
		rec := f.get(t, "/api/health")
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("health took %s on a hung database; every check must time out", took)
		}
		if rec.Code != 503 {
			t.Errorf("health on a hung database: %d %s", rec.Code, rec.Body)
		}
		if rec := f.get(t, "/api/live"); rec.Code != 200 {
			t.Errorf("live on a hung database: %d", rec.Code)
		}
	})
}

func assertDatabaseDown(t *testing.T, f *fixture) {
	t.Helper()
	rec := f.get(t, "/api/ready")
	if rec.Code != 503 {
		t.Errorf("ready with the database down: %d %s", rec.Code, rec.Body)
	} else if body := decode(t, rec); body["failing"] != "database" {
		t.Errorf("ready names %v as failing, want database", body["failing"])
	}
	if rec := f.get(t, "/api/live"); rec.Code != 200 {
		t.Errorf("live with the database down: %d, want 200", rec.Code)
	}
	rec = f.get(t, "/api/health")
	if rec.Code != 503 || decode(t, rec)["status"] != "unhealthy" {
		t.Errorf("health with the database down: %d %s", rec.Code, rec.Body)
	}
}

func TestReadyRefusesSchemaBehind(t *testing.T) {
	db := hsetest.OpenDB(t, sqlstore.SQLite) // not migrated
	f := newFixture(t, db, nil, server.Options{})
	rec := f.get(t, "/api/ready")
	body := decode(t, rec)
	if rec.Code != 503 || body["failing"] != "schema" || !strings.Contains(body["reason"].(string), "hse migrate up") {
		t.Errorf("ready on an unmigrated schema: %d %s", rec.Code, rec.Body)
	}
}

// Redis is optional: when it is down the platform is degraded, not down.
func TestRedisDownIsDegraded(t *testing.T) {
	down := func(ctx context.Context) error { return &net.OpError{Op: "dial", Err: io.EOF} }
	f := newFixture(t, hsetest.MigratedDB(t, sqlstore.SQLite), down, server.Options{})
	rec := f.get(t, "/api/health")
	body := decode(t, rec)
	if rec.Code != 200 || body["status"] != "degraded" {
		t.Errorf("health with Redis down: %d %s", rec.Code, rec.Body)
	}
	if rec := f.get(t, "/api/ready"); rec.Code != 200 {
		t.Errorf("ready with Redis down: %d, want 200", rec.Code)
	}
	metrics := f.get(t, "/metrics").Body.String()
	if !strings.Contains(metrics, `hse_digital_dependency_up{dependency="redis"} 0`) {
		t.Errorf("metrics lack redis down:\n%s", grep(metrics, "dependency_up"))
	}
}

func TestRequestID(t *testing.T) {
	f := newFixture(t, hsetest.MigratedDB(t, sqlstore.SQLite), nil, server.Options{})
	if got := f.get(t, "/api/live", "X-Request-ID", "abc-123").Header().Get("X-Request-ID"); got != "abc-123" {
		t.Errorf("sane id not honoured: %q", got)
	}
	for _, bad := range []string{"", "has space", strings.Repeat("x", 200), "line\nbreak"} {
		got := f.get(t, "/api/live", "X-Request-ID", bad).Header().Get("X-Request-ID")
		if got == "" || got == bad {
			t.Errorf("id %q: response id %q, want a generated one", bad, got)
		}
	}
	f.get(t, "/api/health", "X-Request-ID", "trace-me")
	var line map[string]any
	for _, l := range strings.Split(f.logs.String(), "\n") {
		if strings.Contains(l, `"trace-me"`) && strings.Contains(l, `"msg":"request"`) {
			json.Unmarshal([]byte(l), &line)
		}
	}
	if line == nil {
		t.Fatalf("no access log line with the request id:\n%s", f.logs)
	}
	for _, k := range []string{"method", "route", "status", "duration_ms", "request_id"} {
		if _, ok := line[k]; !ok {
			t.Errorf("access log line lacks %s: %v", k, line)
		}
	}
	if line["route"] != "/api/health" {
		t.Errorf("access log route = %v", line["route"])
	}
}

func TestPanicBecomesProblem(t *testing.T) {
	f := newFixture(t, hsetest.MigratedDB(t, sqlstore.SQLite), nil, server.Options{})
	rec := f.get(t, "/api/test/panic/42")
	if rec.Code != 500 || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("panic: %d %s %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	body := decode(t, rec)
	if body["code"] != "INTERNAL" || body["detail"] != "internal error" || body["requestId"] == "" {
		t.Errorf("panic problem: %v", body)
	}
	if !strings.Contains(f.logs.String(), "panic serving request") {
		t.Error("panic not logged")
	}
	want := `hse_digital_http_request_errors_total{method="GET",route="/api/test/panic/{id}",status_code="500"} 1`
	if m := f.get(t, "/metrics").Body.String(); !strings.Contains(m, want) {
		t.Errorf("metrics lack %s:\n%s", want, grep(m, "errors_total"))
	}
}

// Metrics are labelled with the registered pattern, never the raw path, so
// ids and probing clients cannot explode the label set.
func TestMetricsLabelByPattern(t *testing.T) {
	f := newFixture(t, hsetest.MigratedDB(t, sqlstore.SQLite), nil, server.Options{})
	f.get(t, "/api/live")
	f.get(t, "/api/test/panic/1")
	f.get(t, "/api/test/panic/2")
	f.get(t, "/api/does-not-exist/123")
	f.get(t, "/wp-admin/install.php")
	body := f.get(t, "/metrics").Body.String()
	for _, want := range []string{
		`hse_digital_http_requests_total{method="GET",route="/api/live",status_code="200"} 1`,
		`hse_digital_http_requests_total{method="GET",route="/api/test/panic/{id}",status_code="500"} 2`,
		`hse_digital_http_requests_total{method="GET",route="unmatched",status_code="404"} 2`,
		`hse_digital_http_request_errors_total{method="GET",route="/api/test/panic/{id}",status_code="500"} 2`,
		`hse_digital_http_request_duration_seconds_bucket{method="GET",route="/api/live",le="0.005"}`,
		`go_sql_max_open_connections{db_name="primary"} 1`,
		`go_goroutines`,
		`process_cpu_seconds_total`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, leak := range []string{"does-not-exist", "wp-admin", `route="/api/test/panic/1"`} {
		if strings.Contains(body, leak) {
			t.Errorf("metrics contain a raw path: %s", leak)
		}
	}
	if strings.Contains(body, `hse_digital_http_request_errors_total{method="GET",route="unmatched"`) {
		t.Error("a 404 was counted as an error")
	}
}

func TestUnknownRouteIsProblem(t *testing.T) {
	f := newFixture(t, hsetest.MigratedDB(t, sqlstore.SQLite), nil, server.Options{})
	rec := f.get(t, "/api/nothing-here")
	if rec.Code != 404 || rec.Header().Get("Content-Type") != "application/problem+json" || decode(t, rec)["code"] != "NOT_FOUND" {
		t.Errorf("unknown route: %d %s %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
}

// On shutdown readiness turns 503 at once, in-flight requests finish, and
// Run returns only after they have.
func TestGracefulShutdown(t *testing.T) {
	f := newFixture(t, hsetest.MigratedDB(t, sqlstore.SQLite), nil, server.Options{
		Addr: "127.0.0.1:0", ShutdownDelay: 200 * time.Millisecond, DrainTimeout: 5 * time.Second,
	})
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- f.srv.Run(ctx, func(a net.Addr) { addrc <- a.String() }) }()
	base := "http://" + <-addrc

	slow := make(chan string, 1)
	go func() {
		resp, err := http.Get(base + "/api/test/slow")
		if err != nil {
			slow <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		slow <- string(b)
	}()
	time.Sleep(50 * time.Millisecond) // the slow request is in flight
	cancel()
	waitFor(t, f.checker.Draining)
	// During the shutdown delay the server still answers, with 503 readiness.
	resp, err := http.Get(base + "/api/ready")
	if err != nil {
		t.Fatalf("ready during the shutdown delay: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Errorf("ready while draining: %d, want 503", resp.StatusCode)
	}
	if got := <-slow; got != "finished" {
		t.Errorf("in-flight request: %q, want it to finish", got)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after draining")
	}
	if _, err := http.Get(base + "/api/live"); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// With METRICS_PORT, /metrics is served there and not on the API port.
func TestMetricsOnOwnPort(t *testing.T) {
	f := newFixture(t, hsetest.MigratedDB(t, sqlstore.SQLite), nil, server.Options{
		Addr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0", DrainTimeout: time.Second,
	})
	// The metrics listener's port is only known from the log line.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- f.srv.Run(ctx, func(a net.Addr) { addrc <- a.String() }) }()
	api := <-addrc
	var metricsAddr string
	waitFor(t, func() bool {
		for _, l := range strings.Split(f.logs.String(), "\n") {
			if strings.Contains(l, `"msg":"metrics listening"`) {
				var m map[string]any
				json.Unmarshal([]byte(l), &m)
				metricsAddr, _ = m["addr"].(string)
			}
		}
		return metricsAddr != ""
	})
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "go_goroutines") {
		t.Errorf("metrics port: %d", resp.StatusCode)
	}
	resp, err = http.Get("http://" + api + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("/metrics on the API port: %d, want 404 when METRICS_PORT is set", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}
