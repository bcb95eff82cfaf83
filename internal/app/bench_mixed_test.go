package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
)

// mixedClients is how many clients send back to back in BenchmarkMixed.
const mixedClients = 100

// mixClass is a class of request of the mixed workload.
type mixClass int

const (
	mixList mixClass = iota
	mixRecord
	mixReport
	mixComment
)

var mixClassNames = [...]string{"list", "record", "report", "comment"}

// mixClassOf spreads the classes over request numbers, out of 20: 2
// incident reports (10 %), 1 comment (5 %), 9 list reads (45 %) and 8
// record reads (40 %), interleaved so that every stretch of the run has
// the same mix.
func mixClassOf(i int) mixClass {
	switch i % 20 {
	case 0, 10:
		return mixReport
	case 5:
		return mixComment
	case 1, 3, 6, 8, 11, 13, 15, 17, 19:
		return mixList
	default:
		return mixRecord
	}
}

// BenchmarkMixed measures a platform saturated by a realistic mix: 100
// clients sending back to back over loopback HTTP to the full server
// (production pool size 10), 45 % list reads (incidents, stations,
// actions), 40 % record reads (an incident, a station, an incident's
// comments), 10 % incident reports and 5 % comments on incidents. Every
// client is a member of one organization (HSE_BENCH_ORGS spreads them over
// more), so every report takes the next number of the same counter.
// Writes carry an Idempotency-Key, as the web app's client sends
// (HSE_BENCH_IDEMPOTENCY=0: without).
//
// It reports the total throughput and, per class, the median, 95th and
// 99th percentile latency, and report-p95/list-p95: under saturation
// every class should slow down in proportion, so the target is a ratio
// of at most 3 on each engine (scripts/bench-mixed.sh checks it).
func BenchmarkMixed(b *testing.B) {
	orgs := envInt(b, "HSE_BENCH_ORGS", 1, mixedClients)
	keyed := os.Getenv("HSE_BENCH_IDEMPOTENCY") != "0"
	for _, engine := range hsetest.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			e := apptest.New(b, engine, apptest.WithEnv("HSE_RATE_LIMIT_USER", "1000000"), apptest.WithEnv("HSE_RATE_LIMIT_ORG", "10000000"),
				apptest.WithEnv("DATABASE_POOL_SIZE", "10"))
			tenants := make([]*mixTenant, orgs)
			for o := range tenants {
				tenants[o] = newMixTenant(b, e, o)
			}
			srv := httptest.NewServer(e.App.API)
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConns: mixedClients, MaxIdleConnsPerHost: mixedClients},
				Timeout: 60 * time.Second}
			run := strconv.FormatInt(time.Now().UnixNano(), 36)
			send := func(i int) (time.Duration, error) {
				t := tenants[i%orgs]
				n := i / orgs
				method, path, want := http.MethodGet, "", http.StatusOK
				var body []byte
				switch mixClassOf(i) {
				case mixList:
					path = []string{"/api/incidents", "/api/stations", "/api/actions"}[n%3]
				case mixRecord:
					inc := t.incidents[n%len(t.incidents)]
					path = []string{"/api/incidents/" + inc, "/api/stations/" + t.stations[n%len(t.stations)],
						"/api/incidents/" + inc + "/comments"}[n%3]
				case mixReport:
					method, path, want, body = http.MethodPost, "/api/incidents", http.StatusCreated, t.reports[n%len(t.reports)]
				case mixComment:
					method, path, want, body = http.MethodPost, "/api/incidents/"+t.incidents[n%len(t.incidents)]+"/comments",
						http.StatusCreated, []byte(`{"body":"Checked on site, signage replaced."}`)
				}
				req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+t.token)
				if body != nil {
					req.Header.Set("Content-Type", "application/json")
					if keyed {
						req.Header.Set("Idempotency-Key", run+"-"+strconv.Itoa(i))
					}
				} else {
					req.Body = nil
				}
				start := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					return 0, err
				}
				var buf bytes.Buffer
				_, _ = buf.ReadFrom(resp.Body)
				resp.Body.Close()
				d := time.Since(start)
				if resp.StatusCode != want {
					return d, fmt.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, buf.String())
				}
				return d, nil
			}
			// Warm the connections, caches and prepared statements (of
			// every class), outside the measured run.
			for i := range mixedClients {
				if _, err := send(i); err != nil {
					b.Fatal(err)
				}
			}
			ts := make([]time.Duration, b.N)
			var next atomic.Int64
			next.Store(mixedClients) // after the warm-up's request numbers
			var failed atomic.Pointer[error]
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for range mixedClients {
				wg.Go(func() {
					for {
						i := int(next.Add(1)) - 1
						if i >= b.N+mixedClients {
							return
						}
						d, err := send(i)
						if err != nil {
							failed.CompareAndSwap(nil, &err)
							return
						}
						ts[i-mixedClients] = d
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if err := failed.Load(); err != nil {
				b.Fatal(*err)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
			reportMix(b, ts)
		})
	}
}

// reportMix reports the median, 95th and 99th percentile of each class
// (ts[k] is request mixedClients+k) and the ratio of the reports' p95 to
// the list reads'.
func reportMix(b *testing.B, ts []time.Duration) {
	by := make([][]time.Duration, len(mixClassNames))
	for k, d := range ts {
		c := mixClassOf(k + mixedClients)
		by[c] = append(by[c], d)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	p95 := make([]float64, len(by))
	for c, s := range by {
		if len(s) == 0 {
			continue
		}
		slices.Sort(s)
		at := func(q int) time.Duration { return s[min(len(s)-1, len(s)*q/100)] }
		name := mixClassNames[c]
		b.ReportMetric(ms(at(50)), name+"-ms-p50")
		b.ReportMetric(ms(at(95)), name+"-ms-p95")
		b.ReportMetric(ms(at(99)), name+"-ms-p99")
		p95[c] = ms(at(95))
	}
	if p95[mixList] > 0 {
		b.ReportMetric(p95[mixReport]/p95[mixList], "report/list-p95")
	}
}

// mixTenant is one organization of the mixed workload: its owner's token,
// stations, incidents (with a corrective action each, so that the action
// list has a page) and the bodies of the reports its clients send.
type mixTenant struct {
	token     string
	stations  []string
	incidents []string
	reports   [][]byte
}

func newMixTenant(b *testing.B, e *apptest.Env, o int) *mixTenant {
	b.Helper()
	owner := e.Signup(fmt.Sprintf("Bench Mixed %d", o))
	t := &mixTenant{token: owner.Access}
	occurred := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	for s := range 5 {
		t.stations = append(t.stations, newBenchStation(b, e, owner, fmt.Sprintf("BM-%d", s)))
		body, _ := json.Marshal(map[string]any{"stationId": t.stations[s], "type": "Near Miss", "severity": "Low", "occurredAt": occurred,
			"description": "Customer slipped near pump 2, no injury", "location": "Pump 2", "immediateActions": "Area dried and signed",
			"people": []map[string]any{{"name": "Customer", "role": "member of the public"}}})
		t.reports = append(t.reports, body)
	}
	due := time.Now().AddDate(0, 0, 14).UTC().Format(time.DateOnly)
	for n := range 60 {
		r := e.Must(201, e.Call("POST", "/api/incidents", owner.Access, t.reports[n%len(t.reports)]))
		var inc struct{ ID string }
		if err := json.Unmarshal(r.Body, &inc); err != nil {
			b.Fatal(err)
		}
		t.incidents = append(t.incidents, inc.ID)
		e.Must(201, e.Call("POST", "/api/incidents/"+inc.ID+"/actions", owner.Access, map[string]any{
			"title": "Replace the worn mat", "assigneeId": owner.UserID, "dueOn": due, "priority": "Medium"}))
	}
	return t
}

// envInt reads a whole number from 1 to most from the environment
// variable name, def when it is unset.
func envInt(b *testing.B, name string, def, most int) int {
	b.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > most {
		b.Fatalf("%s=%q: a number from 1 to %d", name, s, most)
	}
	return n
}
