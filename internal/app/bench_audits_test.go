package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/checklist"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/seed"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// The audit benchmarks run against a seeded database, through the full
// HTTP stack in-process (server time, no network):
//
//	HSE_BENCH_SCALE         volume seeded into a fresh database per engine
//	                        (default 0.002: 2 stations, 200 audits per
//	                        organization, so a plain -bench run stays quick)
//	HSE_BENCH_SQLITE        an already seeded SQLite file to use instead
//	HSE_BENCH_POSTGRES_URL  an already seeded PostgreSQL database to use
//	                        instead (also enables the PostgreSQL run)
//	HSE_BENCH_OWNER         its owner's e-mail (default: the first demo
//	                        organization's) and HSE_BENCH_PASSWORD
//
// scripts/bench-audits.sh seeds the full volume (scale 1, two
// organizations) with `hse seed` and points these at it. Each benchmark
// reports the median and 95th percentile of its operations besides the
// mean.

// benchEnv is one engine's platform with a seeded organization.
type benchEnv struct {
	e        *apptest.Env
	owner    *apptest.User
	stations []string
}

func benchEngines(b *testing.B) []string {
	engines := []string{sqlstore.SQLite}
	if os.Getenv("HSE_BENCH_POSTGRES_URL") != "" || hsetest.PostgresURL(b) != "" {
		engines = append(engines, sqlstore.Postgres)
	}
	return engines
}

func newBenchEnv(b *testing.B, engine string) *benchEnv {
	b.Helper()
	opts := []apptest.Option{apptest.WithEnv("HSE_RATE_LIMIT_USER", "1000000"), apptest.WithEnv("HSE_RATE_LIMIT_ORG", "10000000")}
	owner := &apptest.User{Email: os.Getenv("HSE_BENCH_OWNER"), Password: os.Getenv("HSE_BENCH_PASSWORD")}
	if owner.Email == "" {
		owner.Email = "owner@northwind-fuels-demo.example.com"
	}
	if owner.Password == "" {
		owner.Password = seed.DefaultPassword
	}
	var e *apptest.Env
	switch path, url := os.Getenv("HSE_BENCH_SQLITE"), os.Getenv("HSE_BENCH_POSTGRES_URL"); {
	case engine == sqlstore.SQLite && path != "":
		e = apptest.NewAt(b, hsetest.Target{Options: sqlstore.Options{Engine: engine, Path: path, PoolSize: 10}, DatabaseURL: "sqlite:" + path}, opts...)
	case engine == sqlstore.Postgres && url != "":
		e = apptest.NewAt(b, hsetest.Target{Options: sqlstore.Options{Engine: engine, URL: url, PoolSize: 10}, DatabaseURL: url}, opts...)
	default:
		scale := 0.002
		if s := os.Getenv("HSE_BENCH_SCALE"); s != "" {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				b.Fatalf("HSE_BENCH_SCALE: %v", err)
			}
			scale = v
		}
		e = apptest.New(b, engine, opts...)
		res, err := seed.Run(context.Background(), e.App.DB, seed.Options{Scale: scale, Orgs: 2})
		if err != nil {
			b.Fatal(err)
		}
		owner.Email, owner.Password = res.Orgs[0].Owner.Email, res.Password
	}
	e.Login(owner)
	be := &benchEnv{e: e, owner: owner}
	var st struct{ Items []struct{ ID string } }
	be.get(b, "/api/stations?limit=50", &st)
	for _, s := range st.Items {
		be.stations = append(be.stations, s.ID)
	}
	if len(be.stations) == 0 {
		b.Fatal("the seeded organization has no stations")
	}
	return be
}

// serve runs one request through the full middleware chain.
func (be *benchEnv) serve(method, path string, body any) *httptest.ResponseRecorder {
	var rd *bytes.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	var req *http.Request
	if rd != nil {
		req = httptest.NewRequest(method, path, rd)
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	req.Header.Set("Authorization", "Bearer "+be.owner.Access)
	req.RemoteAddr = "192.0.2.10:40000"
	rec := httptest.NewRecorder()
	be.e.App.API.ServeHTTP(rec, req)
	return rec
}

func (be *benchEnv) must(b *testing.B, want int, rec *httptest.ResponseRecorder, v any) {
	b.Helper()
	if rec.Code != want {
		b.Fatalf("status %d, want %d: %s", rec.Code, want, rec.Body)
	}
	if v != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
			b.Fatal(err)
		}
	}
}

func (be *benchEnv) get(b *testing.B, path string, v any) {
	b.Helper()
	be.must(b, 200, be.serve("GET", path, nil), v)
}

// timings collects the duration of each operation and reports the
// median and 95th percentile.
type timings []time.Duration

func (ts timings) report(b *testing.B) {
	if len(ts) == 0 {
		return
	}
	s := slices.Clone(ts)
	slices.Sort(s)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(s[len(s)/2]), "ms-median")
	b.ReportMetric(ms(s[len(s)*95/100]), "ms-p95")
}

// BenchmarkAudits measures the audit operations the performance targets
// name: listing audits filtered by station and status (a page of 50;
// target under 10 ms at the median) and completing an audit of 100 items
// whose answers are saved (target under 50 ms); and, for comparison, the
// first page of the unfiltered list.
func BenchmarkAudits(b *testing.B) {
	for _, engine := range benchEngines(b) {
		b.Run(engine, func(b *testing.B) {
			be := newBenchEnv(b, engine)
			b.Run("list-station-status", func(b *testing.B) { benchList(b, be, "&status=Closed", true) })
			b.Run("list-default", func(b *testing.B) { benchList(b, be, "", false) })
			b.Run("complete-100-items", func(b *testing.B) { benchComplete(b, be) })
		})
	}
}

// benchList lists a page of 50 audits, going round the stations.
func benchList(b *testing.B, be *benchEnv, query string, byStation bool) {
	paths := make([]string, 0, len(be.stations))
	for _, st := range be.stations {
		p := "/api/audits?limit=50" + query
		if byStation {
			p += "&stationId=" + st
		}
		paths = append(paths, p)
	}
	var page struct{ Items []json.RawMessage }
	be.get(b, paths[0], &page)
	if len(page.Items) == 0 {
		b.Logf("the first page is empty (%s); the seeded volume is too small to measure it", paths[0])
	}
	ts := make(timings, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		rec := be.serve("GET", paths[i%len(paths)], nil)
		ts = append(ts, time.Since(start))
		if rec.Code != 200 {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	b.StopTimer()
	ts.report(b)
}

// hundredItems is a published checklist of 100 weighted pass/fail items
// in ten sections, a few critical, some demanding evidence on failure.
func hundredItems() map[string]any {
	var sections []map[string]any
	for s := range 10 {
		var items []map[string]any
		for i := range 10 {
			items = append(items, map[string]any{"key": fmt.Sprintf("s%di%d", s, i), "label": fmt.Sprintf("Check %d.%d", s+1, i+1),
				"type": "pass_fail_na", "weight": 1 + (i % 3), "required": true, "critical": i == 0 && s%3 == 0,
				"requirePhotoOrNoteOnFail": i%2 == 0})
		}
		sections = append(sections, map[string]any{"title": fmt.Sprintf("Section %d", s+1), "items": items})
	}
	return map[string]any{"sections": sections}
}

// answersFor100 passes 95 items, fails three (with notes, so completion
// raises three findings and actions) and marks two N/A.
func answersFor100() checklist.Answers {
	as := checklist.Answers{}
	for s := range 10 {
		for i := range 10 {
			k := fmt.Sprintf("s%di%d", s, i)
			as[k] = checklist.Answer{Value: json.RawMessage(`"pass"`)}
			switch k {
			case "s1i4", "s5i2", "s8i6":
				as[k] = checklist.Answer{Value: json.RawMessage(`"fail"`), Note: "Not compliant on the day", Severity: "Major"}
			case "s2i9", "s7i3":
				as[k] = checklist.Answer{Value: json.RawMessage(`"na"`)}
			}
		}
	}
	return as
}

// benchComplete completes audits of 100 items: each is scheduled,
// started and given its answers before the clock runs.
func benchComplete(b *testing.B, be *benchEnv) {
	var form struct{ ID string }
	be.must(b, 201, be.serve("POST", "/api/forms", map[string]any{"name": fmt.Sprintf("Benchmark 100 items %d", time.Now().UnixNano()),
		"kind": "audit", "definition": hundredItems()}), &form)
	be.must(b, 200, be.serve("POST", "/api/forms/"+form.ID+"/publish", nil), nil)
	answers := answersFor100()
	ids := make([]string, b.N)
	for i := range ids {
		var a struct{ ID string }
		be.must(b, 201, be.serve("POST", "/api/audits", map[string]any{"stationId": be.stations[i%len(be.stations)], "templateId": form.ID,
			"auditorUserId": be.owner.UserID, "scheduledFor": time.Now().UTC().Format(time.DateOnly)}), &a)
		be.must(b, 200, be.serve("POST", "/api/audits/"+a.ID+"/start", nil), nil)
		if err := seed.SaveAnswers(context.Background(), be.e.App.DB, be.owner.OrgID, a.ID, be.owner.UserID, answers, time.Now()); err != nil {
			b.Fatal(err)
		}
		ids[i] = a.ID
	}
	ts := make(timings, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		rec := be.serve("POST", "/api/audits/"+ids[i]+"/complete", nil)
		ts = append(ts, time.Since(start))
		if rec.Code != 200 {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	b.StopTimer()
	ts.report(b)
}
