package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

var (
	seededOrg      = regexp.MustCompile(`(?m)^organization .* \(\S+, id (\S+)\): (\d+) stations, (\d+) contractors, (\d+) audits, (\d+) findings, (\d+) actions$`)
	seededOwner    = regexp.MustCompile(`(?m)^  owner\s+(\S+) (\S+)$`)
	seededAuditor  = regexp.MustCompile(`(?m)^  auditor\s+(\S+) (\S+)$`)
	seededPassword = regexp.MustCompile(`(?m)^password of every demo account: (\S+)$`)
)

// TestSeedDemo seeds a tiny volume on each engine through the command,
// checks the row counts, and that the API shows the seeded organizations
// to their owners: the stations, every audit, the filtered list, and a new
// audit numbered right after the seeded ones.
func TestSeedDemo(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		tg := hsetest.NewTarget(t, engine)
		vars := map[string]string{"DATABASE_URL": tg.DatabaseURL, "HSE_DATA_DIR": t.TempDir()}
		if _, _, err := runCLI(t, vars, "migrate", "up"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := runCLI(t, vars, "seed", "--scale", "0.003"); err == nil || !strings.Contains(err.Error(), "--demo") {
			t.Fatalf("seed without --demo: %v", err)
		}
		prod := map[string]string{"HSE_ENV": "production"}
		for k, v := range vars {
			prod[k] = v
		}
		if _, _, err := runCLI(t, prod, "seed", "--demo", "--scale", "0.003"); err == nil || !strings.Contains(err.Error(), "production") {
			t.Fatalf("seed in production: %v", err)
		}

		out, progress, err := runCLI(t, vars, "seed", "--demo", "--scale", "0.003", "--orgs", "2")
		if err != nil {
			t.Fatalf("seed: %v\n%s", err, progress)
		}
		if !strings.Contains(progress, "seed: ") {
			t.Errorf("no progress on stderr: %q", progress)
		}
		orgs, owners, auditors := seededOrg.FindAllStringSubmatch(out, -1), seededOwner.FindAllStringSubmatch(out, -1), seededAuditor.FindAllStringSubmatch(out, -1)
		pw := seededPassword.FindStringSubmatch(out)
		if len(orgs) != 2 || len(owners) != 2 || len(auditors) < 4 || pw == nil {
			t.Fatalf("seed output lacks the organizations, owners or password:\n%s", out)
		}
		for _, o := range orgs {
			if o[2] != "3" || o[4] != "300" {
				t.Errorf("organization %s: %s stations and %s audits, want 3 and 300", o[1], o[2], o[4])
			}
		}

		// A second run refuses the database that now holds data.
		if _, _, err := runCLI(t, vars, "seed", "--demo", "--scale", "0.003"); err == nil || !strings.Contains(err.Error(), "--force") {
			t.Fatalf("seed of a seeded database: %v", err)
		}

		db, err := sqlstore.Open(context.Background(), tg.Options)
		if err != nil {
			t.Fatal(err)
		}
		counts, err := db.RowCounts(context.Background())
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if counts["organizations"] != 2 || counts["stations"] != 6 || counts["audits"] != 600 || counts["findings"] != counts["actions"] {
			t.Errorf("row counts: %d organizations, %d stations, %d audits, %d findings, %d actions", counts["organizations"],
				counts["stations"], counts["audits"], counts["findings"], counts["actions"])
		}

		env := apptest.NewAt(t, tg)
		for i, o := range owners {
			u := &apptest.User{Email: o[1], Password: pw[1]}
			env.Login(u)
			if u.OrgID != orgs[i][1] {
				t.Fatalf("owner %s logged into %s, want %s", u.Email, u.OrgID, orgs[i][1])
			}
			var stations struct {
				Items []struct{ ID, Code, Region string }
			}
			decode(t, env.Must(200, env.Call("GET", "/api/stations?limit=100", u.Access, nil)), &stations)
			if len(stations.Items) != 3 || stations.Items[0].Code != "ST-0001" || stations.Items[0].Region == "" {
				t.Errorf("stations: %+v", stations.Items)
			}

			// Every seeded audit, page by page; numbers unique.
			type auditItem struct{ ID, Number, StationID, Status, ScheduledFor string }
			var all []auditItem
			for cursor := ""; ; {
				var page struct {
					Items      []auditItem
					NextCursor string
				}
				decode(t, env.Must(200, env.Call("GET", "/api/audits?limit=100&cursor="+url.QueryEscape(cursor), u.Access, nil)), &page)
				all = append(all, page.Items...)
				if cursor = page.NextCursor; cursor == "" {
					break
				}
			}
			numbers, byKey, maxSeq := map[string]bool{}, map[string]int{}, map[string]int{}
			for _, a := range all {
				numbers[a.Number] = true
				byKey[a.StationID+"|"+a.Status]++
				var year, seq int
				if _, err := fmt.Sscanf(a.Number, "AUD-%d-%d", &year, &seq); err != nil {
					t.Fatalf("audit number %q: %v", a.Number, err)
				}
				maxSeq[fmt.Sprint(year)] = max(maxSeq[fmt.Sprint(year)], seq)
			}
			if len(all) != 300 || len(numbers) != 300 {
				t.Fatalf("listed %d audits with %d distinct numbers, want 300", len(all), len(numbers))
			}

			// The benchmarked list: one station, one status.
			st := stations.Items[0].ID
			var closed struct{ Items []auditItem }
			decode(t, env.Must(200, env.Call("GET", "/api/audits?limit=100&status=Closed&stationId="+st, u.Access, nil)), &closed)
			if len(closed.Items) == 0 || len(closed.Items) != min(100, byKey[st+"|Closed"]) {
				t.Errorf("closed audits of %s: %d listed, %d seeded", st, len(closed.Items), byKey[st+"|Closed"])
			}
			for _, a := range closed.Items {
				if a.StationID != st || a.Status != "Closed" {
					t.Errorf("filtered list holds %+v", a)
				}
			}

			// A new audit continues the year's series without a gap.
			var forms struct{ Items []struct{ ID string } }
			decode(t, env.Must(200, env.Call("GET", "/api/forms", u.Access, nil)), &forms)
			today := time.Now().UTC()
			var created struct{ Number string }
			decode(t, env.Must(201, env.Call("POST", "/api/audits", u.Access, map[string]any{"stationId": st, "templateId": forms.Items[0].ID,
				"auditorUserId": auditors[i*len(auditors)/2][2], "scheduledFor": today.Format(time.DateOnly)})), &created)
			if want := fmt.Sprintf("AUD-%d-%04d", today.Year(), maxSeq[fmt.Sprint(today.Year())]+1); created.Number != want {
				t.Errorf("new audit numbered %s, want %s", created.Number, want)
			}
		}
	})
}

func decode(t *testing.T, r *apptest.Response, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
}
