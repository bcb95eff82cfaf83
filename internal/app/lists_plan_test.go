package app_test

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/seed"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// largeTables grow with an organization's activity; a list must never
// read one whole, nor sort all of an organization's rows of one.
var largeTables = []string{"audits", "actions", "findings", "audit_answers", "audit_log", "incidents", "permits", "action_events"}

// TestListQueryPlans runs every list with each sort and filter through the
// API on seeded data, collects the queries the store really runs, and
// reads their plans: SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN
// after ANALYZE (with sequential scans and sorts priced out, so that one
// left in the plan means there is no index to use instead). A full scan
// of a large table, or a sort over one below any LIMIT, fails: a new
// filter or sort cannot bring back a list whose cost grows with the
// organization. Searches (q=) are exempt from the sort rule by design:
// they sort at most a bounded number of matches (see auditWhere).
func TestListQueryPlans(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		e := apptest.New(t, engine)
		res, err := seed.Run(ctx, e.App.DB, seed.Options{Scale: 0.02, Orgs: 1})
		if err != nil {
			t.Fatal(err)
		}
		owner := &apptest.User{Email: res.Orgs[0].Owner.Email, Password: res.Password}
		e.Login(owner)
		be := &benchEnv{e: e, owner: owner, stations: res.Orgs[0].StationIDs}

		type run struct {
			query, request string
			args           []any
		}
		request := ""
		var mu sync.Mutex
		seen := map[string]run{}
		e.App.DB.ObserveQueries(func(q string, args []any) {
			mu.Lock()
			defer mu.Unlock()
			if _, ok := seen[q]; !ok {
				seen[q] = run{q, request, append([]any(nil), args...)}
			}
		})
		for _, c := range planCases(t, be) {
			mu.Lock()
			request = c
			mu.Unlock()
			r := e.Call("GET", c, owner.Access, nil)
			if r.Status != 200 {
				t.Fatalf("GET %s: %d %s", c, r.Status, r.Body)
			}
		}
		e.App.DB.ObserveQueries(nil)
		large := regexp.MustCompile(`\b(` + strings.Join(largeTables, "|") + `)\b`)
		checked := 0
		for q, r := range seen {
			if !large.MatchString(q) || !strings.Contains(q, "ORDER BY") {
				continue
			}
			plan, err := e.App.DB.Explain(ctx, sqlstore.Scope{OrgID: owner.OrgID, ReadOnly: true}, r.query, r.args...)
			if err != nil {
				t.Fatalf("explaining %s: %v", q, err)
			}
			checked++
			why := badPlan(engine, plan, strings.Contains(q, "LIKE") || strings.Contains(q, "MATCH"))
			if why != "" && (knownSort(r.request) || engine == "sqlite" && filteredAndSorted(r.request)) && why == "a sort of the whole filtered set" {
				t.Logf("known: %s sorts its filtered range (%s)", r.request, engine)
				continue
			}
			if why != "" {
				t.Errorf("%s: %s\n%s\nplan:\n%s", r.request, why, q, strings.Join(plan, "\n"))
			}
		}
		if checked < 20 {
			t.Errorf("only %d list queries checked; the observer missed the lists", checked)
		}
	})
}

// knownSort is the one shape still allowed to sort: a range filter on
// the scheduled date (scheduledFrom/To, overdue=true) with a sort on
// another key sorts the audits in that range (bounded by the range, not
// by the organization). Recorded in ADR 0012 as the next step.
func knownSort(request string) bool {
	byDate := !strings.Contains(request, "sort=") || strings.Contains(request, "sort=-scheduledFor")
	return strings.HasPrefix(request, "/api/audits?") && !byDate &&
		(strings.Contains(request, "scheduledFrom=") || strings.Contains(request, "overdue=true"))
}

// filteredAndSorted: a filter (one station, an auditor, a state, overdue)
// together with a sort other than the list's default. SQLite chooses
// between the filter's index followed by a sort of its matches and the
// sort's index read in order, by statistics of the seeded rows, so either
// plan may come out; the first sorts the filter's matches, bounded by the
// filter, not by the organization. Recorded in ADR 0012 ("Not yet"): the
// unfiltered lists and every default sort are held to the strict rule.
func filteredAndSorted(request string) bool {
	_, q, _ := strings.Cut(request, "?")
	sorted, filtered := false, false
	for _, kv := range strings.Split(q, "&") {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "limit", "cursor":
		case "sort":
			sorted = true
		default:
			filtered = true
		}
	}
	return sorted && filtered
}

// planCases are the list requests whose queries are checked: every sort
// and filter of the lists, the plan, and the audit trail.
func planCases(t *testing.T, be *benchEnv) []string {
	t.Helper()
	var first struct {
		Items []struct{ AuditorUserID, Number, Region string }
	}
	if err := jsonGet(be, "/api/audits?limit=1&status=Closed", &first); err != nil || len(first.Items) == 0 {
		t.Fatalf("no closed audit: %v", err)
	}
	a := first.Items[0]
	out := []string{"/api/audits/plan", "/api/audits/plan?limit=5&region=" + url.QueryEscape(a.Region), "/api/audit-log?limit=5"}
	lists := map[string][2][]string{
		"/api/audits": {{"", "-scheduledFor", "number", "-number", "createdAt", "-updatedAt"}, {"", "status=Closed",
			"stationId=" + be.stations[0], "auditorId=" + a.AuditorUserID, "overdue=true", "overdue=false",
			"scheduledFrom=2025-01-01&scheduledTo=2025-03-31", "q=" + a.Number}},
		"/api/actions":   {{"", "-dueOn", "createdAt", "number", "-priority"}, {"", "status=Open", "overdue=true", "stationId=" + be.stations[0]}},
		"/api/incidents": {{"", "reportedAt", "createdAt", "number", "-severity"}, {"", "status=Reported"}},
		"/api/permits":   {{"", "createdAt", "number"}, {"", "status=Active"}},
	}
	for path, sf := range lists {
		for _, s := range sf[0] {
			for _, f := range sf[1] {
				q := "limit=10"
				if s != "" {
					q += "&sort=" + s
				}
				if f != "" {
					q += "&" + f
				}
				out = append(out, path+"?"+q)
			}
		}
	}
	return out
}

func jsonGet(be *benchEnv, path string, v any) error {
	rec := be.serve("GET", path, nil)
	return json.Unmarshal(rec.Body.Bytes(), v)
}

// badPlan says what is wrong with a plan, "" when nothing is.
func badPlan(engine string, plan []string, search bool) string {
	large := strings.Join(largeTables, "|")
	if engine == sqlstore.SQLite {
		scan := regexp.MustCompile(`^\s*SCAN (` + large + `)\s*$`)
		for _, l := range plan {
			if scan.MatchString(l) {
				return "a full scan of a large table"
			}
		}
		// A sort is only allowed at the top of a query that reads a
		// materialized page (SCAN au: at most limit+1 rows).
		page := false
		for _, l := range plan {
			page = page || strings.TrimSpace(l) == "SCAN au" || strings.TrimSpace(l) == "SCAN x"
		}
		for _, l := range plan {
			if strings.Contains(l, "USE TEMP B-TREE FOR") && !search && (!page || strings.HasPrefix(l, " ")) {
				return "a sort of the whole filtered set"
			}
		}
		return ""
	}
	seq := regexp.MustCompile(`Seq Scan on (` + large + `)\b`)
	for i, l := range plan {
		if seq.MatchString(l) {
			return "a full scan of a large table"
		}
		if search || !strings.Contains(l, "Sort  (") {
			continue
		}
		// A Sort whose subtree reads a large table with no Limit below it
		// sorts every matching row.
		indent := len(l) - len(strings.TrimLeft(l, " "))
		limited, reads := false, false
		for _, sub := range plan[i+1:] {
			if len(sub)-len(strings.TrimLeft(sub, " ")) <= indent {
				break
			}
			limited = limited || strings.Contains(sub, "Limit  (")
			reads = reads || regexp.MustCompile(`on (`+large+`)\b`).MatchString(sub)
		}
		if reads && !limited {
			return "a sort of the whole filtered set"
		}
	}
	return ""
}
