package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/incident"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// addStation inserts a station for the incident tests.
func addStation(t *testing.T, db *sqlstore.DB, orgID, id string) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	if err := db.InTx(ctx, sqlstore.Scope{OrgID: orgID}, func(tx *sqlstore.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO stations (organization_id, id, code, name, risk_category, audit_frequency, created_at, updated_at)
			VALUES (?, ?, ?, 'Station', 'Low', 'Monthly', ?, ?)`, orgID, id, id, now, now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func reporter(tn tenant) *hse.Principal {
	return &hse.Principal{UserID: tn.userID, OrgID: tn.orgID, Permissions: hse.NewPermissionSet(incident.PermRead, incident.PermReport),
		Scope: hse.Scope{Kind: hse.ScopeOrganization}}
}

// 40 reports at once, some at a station that does not exist, get
// distinct numbers with no gap on both engines: a refused report returns
// its number, and another organization's series is its own.
func TestIncidentNumbersGapFree(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		db := hsetest.MigratedDB(t, engine)
		tn := seedTenant(t, db, "Incidents")
		other := seedTenant(t, db, "Elsewhere")
		addStation(t, db, tn.orgID, "st-1")
		addStation(t, db, other.orgID, "st-2")
		svc := &incident.Service{Store: db.Incidents()}
		ctx := context.Background()
		const n = 40
		numbers := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				station := "st-1"
				if i%5 == 0 {
					station = "st-2" // the other organization's: not found
				}
				inc, err := svc.Report(ctx, reporter(tn), incident.NewInput{StationID: station, Type: "Fire", Severity: "Low",
					OccurredAt: time.Now().Add(-time.Hour), Description: fmt.Sprintf("Report %d", i)})
				errs[i] = err
				if err == nil {
					numbers[i] = inc.Number
				}
			}()
		}
		wg.Wait()
		var got []string
		for i, err := range errs {
			switch {
			case i%5 == 0 && !hse.IsNotFound(err):
				t.Errorf("report %d at another organization's station: %v", i, err)
			case i%5 != 0 && err != nil:
				t.Errorf("report %d: %v", i, err)
			case err == nil:
				got = append(got, numbers[i])
			}
		}
		slices.Sort(got)
		series := incident.Series(time.Now())
		for k, num := range got {
			if want := incident.FormatNumber(series, int64(k+1)); num != want {
				t.Fatalf("numbers %v: want %s at %d (unique, no gap)", got, want, k)
			}
		}
		first, err := svc.Report(ctx, reporter(other), incident.NewInput{StationID: "st-2", Type: "Other", Severity: "Low",
			OccurredAt: time.Now().Add(-time.Minute), Description: "First elsewhere"})
		if err != nil || first.Number != incident.FormatNumber(series, 1) {
			t.Errorf("the other organization's first number: %+v %v", first, err)
		}
	})
}

// Row-level security covers the incident tables: forced, and an
// unfiltered query in one tenant's transaction sees none of another's.
func TestIncidentTablesRowLevelSecurity(t *testing.T) {
	db := rlsDB(t)
	ctx := context.Background()
	a, b := seedTenant(t, db, "RLS-A"), seedTenant(t, db, "RLS-B")
	addStation(t, db, a.orgID, "st-a")
	svc := &incident.Service{Store: db.Incidents()}
	if _, err := svc.Report(ctx, reporter(a), incident.NewInput{StationID: "st-a", Type: "Fire", Severity: "Low",
		OccurredAt: time.Now().Add(-time.Hour), Description: "A's incident"}); err != nil {
		t.Fatal(err)
	}
	err := db.InTx(ctx, sqlstore.Scope{OrgID: b.orgID}, func(tx *sqlstore.Tx) error {
		for _, table := range []string{"incidents", "incident_events"} {
			var enabled, forced bool
			if err := tx.QueryRow(ctx, `SELECT relrowsecurity, relforcerowsecurity FROM pg_class
				WHERE relnamespace = current_schema()::regnamespace AND relname = ?`, table).Scan(&enabled, &forced); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
				return err
			}
			if !enabled || !forced || n != 0 {
				t.Errorf("%s: row security enabled %v forced %v; B sees %d of A's rows", table, enabled, forced, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
