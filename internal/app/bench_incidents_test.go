package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// benchClients is how many clients report at once in
// BenchmarkReportIncident.
const benchClients = 50

// BenchmarkReportIncident measures POST /api/incidents (no attachment)
// over real HTTP on loopback: the full server stack behind an
// httptest.Server, 50 concurrent keep-alive clients, the production pool
// size (10). Each iteration is one report; the benchmark reports requests
// per second over the whole run and the median and 95th percentile
// latency as clients see them. Target on the 2-core development machine:
// at least 500 req/s with p95 under 50 ms, on each engine.
//
// HSE_BENCH_RATE paces the clients to that many requests per second in
// total (request i is due at start + i/rate), and latency is then counted
// from when each request was due, so a server that falls behind shows its
// queueing (no coordinated omission). Unset, the clients send as fast as
// they can: the capacity. The target is read as: capacity of at least
// 500 req/s, and p95 under 50 ms at an offered 500 req/s.
//
// HSE_BENCH_ORGS (default 1) spreads the clients over that many
// organizations. With one, every report queues on the same gap-free
// counter row (INC-<year> of one organization), the worst case; several
// organizations are the platform's real traffic.
// scripts/bench-incidents.sh runs both and checks the targets.
func BenchmarkReportIncident(b *testing.B) {
	orgs := 1
	if s := os.Getenv("HSE_BENCH_ORGS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > benchClients {
			b.Fatalf("HSE_BENCH_ORGS=%q: a number from 1 to %d", s, benchClients)
		}
		orgs = n
	}
	rate := 0.0
	if s := os.Getenv("HSE_BENCH_RATE"); s != "" {
		r, err := strconv.ParseFloat(s, 64)
		if err != nil || r <= 0 {
			b.Fatalf("HSE_BENCH_RATE=%q: requests per second, above 0", s)
		}
		rate = r
	}
	for _, engine := range hsetest.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			e := apptest.New(b, engine, apptest.WithEnv("HSE_RATE_LIMIT_USER", "1000000"), apptest.WithEnv("HSE_RATE_LIMIT_ORG", "10000000"),
				apptest.WithEnv("DATABASE_POOL_SIZE", "10"))
			// One owner and three stations per organization; request i is
			// made by organization i % orgs at one of its stations.
			type reporter struct {
				token  string
				bodies [][]byte
			}
			reporters := make([]reporter, orgs)
			for o := range reporters {
				owner := e.Signup(fmt.Sprintf("Bench Incidents %d", o))
				reporters[o].token = owner.Access
				for s := range 3 {
					body, _ := json.Marshal(map[string]any{"stationId": newBenchStation(b, e, owner, fmt.Sprintf("BI-%d", s)),
						"type": "Near Miss", "severity": "Low", "occurredAt": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339),
						"description": "Customer slipped near pump 2, no injury", "location": "Pump 2", "immediateActions": "Area dried and signed",
						"people": []map[string]any{{"name": "Customer", "role": "member of the public"}}})
					reporters[o].bodies = append(reporters[o].bodies, body)
				}
			}
			srv := httptest.NewServer(e.App.API)
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConns: benchClients, MaxIdleConnsPerHost: benchClients}, Timeout: 30 * time.Second}
			post := func(i int) (time.Duration, error) {
				r := reporters[i%orgs]
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/incidents", bytes.NewReader(r.bodies[(i/orgs)%len(r.bodies)]))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+r.token)
				start := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					return 0, err
				}
				var buf bytes.Buffer
				_, _ = buf.ReadFrom(resp.Body)
				resp.Body.Close()
				d := time.Since(start)
				if resp.StatusCode != http.StatusCreated {
					return d, fmt.Errorf("status %d: %s", resp.StatusCode, buf.String())
				}
				return d, nil
			}
			// Warm the connections, caches and prepared statements.
			for i := range benchClients {
				if _, err := post(i); err != nil {
					b.Fatal(err)
				}
			}
			ts := make(timings, b.N)
			var next atomic.Int64
			var failed atomic.Pointer[error]
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for range benchClients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := int(next.Add(1)) - 1
						if i >= b.N {
							return
						}
						var due time.Time
						if rate > 0 {
							due = start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
							time.Sleep(time.Until(due))
						}
						d, err := post(i)
						if err != nil {
							failed.CompareAndSwap(nil, &err)
							return
						}
						if rate > 0 {
							d = time.Since(due)
						}
						ts[i] = d
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if err := failed.Load(); err != nil {
				b.Fatal(*err)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
			ts.report(b)
		})
	}
}

func newBenchStation(b *testing.B, e *apptest.Env, u *apptest.User, code string) string {
	b.Helper()
	r := e.Must(201, e.Call("POST", "/api/stations", u.Access, map[string]any{"code": code, "name": "Station " + code}))
	var s struct{ ID string }
	if err := json.Unmarshal(r.Body, &s); err != nil {
		b.Fatal(err)
	}
	return s.ID
}
