package app_test

import (
	"io"
	"net/url"
	"strings"
	"testing"
	"time"
)

// BenchmarkLists measures every list with each of its sorts and filters,
// the first page and a page deep in the cursor chain (after ten pages of
// 100), the audit plan, search and the CSV exports, against the seeded
// organization (see newBenchEnv). Each case reports the median and the
// 95th percentile of its requests; scripts/bench-lists.sh runs it at two
// scales and compares them.
func BenchmarkLists(b *testing.B) {
	for _, engine := range benchEngines(b) {
		b.Run(engine, func(b *testing.B) {
			be := newBenchEnv(b, engine)
			for _, c := range listCases(b, be) {
				b.Run(c.name, func(b *testing.B) { benchPath(b, be, c.path, c.deep) })
			}
		})
	}
}

type listCase struct {
	name, path string
	deep       bool
}

// listCases is every list × sort × filter, and the plan and exports.
func listCases(b *testing.B, be *benchEnv) []listCase {
	var first struct {
		Items []struct{ AuditorUserID, Number, Region string }
	}
	be.get(b, "/api/audits?limit=1&status=Closed", &first)
	var act struct{ Items []struct{ AssigneeID string } }
	be.get(b, "/api/actions?limit=1", &act)
	if len(first.Items) == 0 || len(act.Items) == 0 {
		b.Fatal("the seeded organization has no closed audit or no action")
	}
	a := first.Items[0]
	lists := []struct {
		path    string
		sorts   []string
		filters []string
	}{
		{"/api/audits", []string{"", "-scheduledFor", "number", "-number", "createdAt", "-updatedAt"}, []string{"", "status=Closed",
			"stationId=" + be.stations[0], "region=" + url.QueryEscape(a.Region), "auditorId=" + a.AuditorUserID, "result=Fail", "overdue=true",
			"scheduledFrom=2025-01-01&scheduledTo=2025-03-31", "completedFrom=2025-01-01", "q=AUD-2025", "q=" + a.Number, "q=zzz"}},
		{"/api/actions", []string{"", "-dueOn", "createdAt", "number", "-priority"}, []string{"", "status=Open", "priority=High",
			"stationId=" + be.stations[0], "assigneeId=" + act.Items[0].AssigneeID, "overdue=true", "escalated=true", "q=CA-2025"}},
		{"/api/stations", []string{"", "name", "-region", "createdAt"}, []string{"", "region=" + url.QueryEscape(a.Region), "active=true", "q=station"}},
		{"/api/incidents", []string{"", "number", "-severity"}, []string{"", "status=Reported"}},
		{"/api/permits", []string{"", "number"}, []string{"", "status=Active"}},
		{"/api/contractors", []string{"", "-createdAt"}, []string{""}},
		{"/api/forms", []string{"", "-updatedAt"}, []string{""}},
		{"/api/audit-log", []string{""}, []string{"", "action=station.created"}},
	}
	var out []listCase
	for _, l := range lists {
		for _, s := range l.sorts {
			for _, f := range l.filters {
				q := []string{"limit=50"}
				if s != "" {
					q = append(q, "sort="+s)
				}
				if f != "" {
					q = append(q, f)
				}
				name := strings.TrimPrefix(l.path, "/api/") + "?" + strings.Join(q[1:], "&")
				name = strings.ReplaceAll(name, "/", "_")
				path := l.path + "?" + strings.Join(q, "&")
				out = append(out, listCase{name: "first:" + name, path: path}, listCase{name: "deep:" + name, path: path, deep: true})
			}
		}
	}
	out = append(out,
		listCase{name: "plan", path: "/api/audits/plan"},
		listCase{name: "plan?region", path: "/api/audits/plan?region=" + url.QueryEscape(a.Region)},
		listCase{name: "plan?limit=100", path: "/api/audits/plan?limit=100"},
		listCase{name: "members", path: "/api/members"},
		listCase{name: "export:audits.csv", path: "/api/audits?format=csv"},
		listCase{name: "export:actions.csv", path: "/api/actions?format=csv"},
	)
	return out
}

// benchPath times GET path; deep starts ten pages of 100 in.
func benchPath(b *testing.B, be *benchEnv, path string, deep bool) {
	if deep {
		p := strings.Replace(path, "limit=50", "limit=100", 1)
		cursor := ""
		for range 10 {
			var pg struct{ NextCursor string }
			q := p
			if cursor != "" {
				q += "&cursor=" + url.QueryEscape(cursor)
			}
			be.get(b, q, &pg)
			if pg.NextCursor == "" {
				break
			}
			cursor = pg.NextCursor
		}
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
	}
	ts := make(timings, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		rec := be.serve("GET", path, nil)
		_, _ = io.Copy(io.Discard, rec.Body)
		ts = append(ts, time.Since(start))
		if rec.Code != 200 {
			b.Fatalf("%s: status %d: %s", path, rec.Code, rec.Body)
		}
	}
	b.StopTimer()
	ts.report(b)
}
