package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/capa"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// 50 actions raised at once get 50 distinct numbers with no gap, on both
// engines, each with its "created" event and audit entry.
func TestActionNumbersUniqueAndGapFree(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		db := hsetest.MigratedDB(t, engine)
		tn := seedTenant(t, db, "Numbers")
		other := seedTenant(t, db, "Other")
		ctx := context.Background()
		at := time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)
		const n = 50
		numbers := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := &capa.Action{Title: fmt.Sprintf("Action %d", i), SourceType: capa.SourceManual, CreatedBy: tn.userID, CreatedAt: at}
				errs[i] = db.Actions().InTx(ctx, hse.TxScope{OrgID: tn.orgID, UserID: tn.userID}, func(tx capa.Tx) error {
					return tx.CreateAction(ctx, tn.orgID, a)
				})
				numbers[i] = a.Number
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("creation %d: %v", i, err)
			}
		}
		slices.Sort(numbers)
		for i, got := range numbers {
			if want := fmt.Sprintf("CA-2026-%04d", i+1); got != want {
				t.Fatalf("number %d = %s, want %s (all: %v)", i, got, want, numbers)
			}
		}
		// Another organization's series starts at 1.
		a := &capa.Action{Title: "First", SourceType: capa.SourceManual, CreatedAt: at}
		if err := db.Actions().InTx(ctx, hse.TxScope{OrgID: other.orgID}, func(tx capa.Tx) error {
			return tx.CreateAction(ctx, other.orgID, a)
		}); err != nil || a.Number != "CA-2026-0001" {
			t.Fatalf("other organization: %s, %v", a.Number, err)
		}
		// A rolled-back creation gives its number back.
		_ = db.Actions().InTx(ctx, hse.TxScope{OrgID: other.orgID}, func(tx capa.Tx) error {
			if err := tx.CreateAction(ctx, other.orgID, &capa.Action{Title: "Rolled back", SourceType: capa.SourceManual, CreatedAt: at}); err != nil {
				return err
			}
			return fmt.Errorf("roll back")
		})
		b := &capa.Action{Title: "Second", SourceType: capa.SourceManual, CreatedAt: at}
		if err := db.Actions().InTx(ctx, hse.TxScope{OrgID: other.orgID}, func(tx capa.Tx) error {
			return tx.CreateAction(ctx, other.orgID, b)
		}); err != nil || b.Number != "CA-2026-0002" {
			t.Fatalf("after a rollback: %s, %v", b.Number, err)
		}
		var events, entries int
		err := db.InTx(ctx, sqlstore.Scope{OrgID: tn.orgID}, func(tx *sqlstore.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM action_events WHERE organization_id = ? AND kind = 'created'`, tn.orgID).Scan(&events); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE organization_id = ? AND action = 'action.created'`, tn.orgID).Scan(&entries)
		})
		if err != nil || events != n || entries != n {
			t.Errorf("%d created events and %d audit entries, want %d each (%v)", events, entries, n, err)
		}
	})
}

// An audit closes when its last action is verified, and only then.
func TestCloseAuditIfAllVerified(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		db := hsetest.MigratedDB(t, engine)
		tn := seedTenant(t, db, "Closing")
		ctx := context.Background()
		now := time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)
		sc := sqlstore.Scope{OrgID: tn.orgID, UserID: tn.userID}
		err := db.InTx(ctx, sc, func(tx *sqlstore.Tx) error {
			for _, q := range []struct {
				sql  string
				args []any
			}{
				{`INSERT INTO stations (organization_id, id, code, name, risk_category, audit_frequency, created_at, updated_at)
					VALUES (?, 'st-1', 'ST-1', 'Station', 'Low', 'Monthly', ?, ?)`, []any{tn.orgID, now, now}},
				{`INSERT INTO form_templates (organization_id, id, name, kind, created_at, updated_at) VALUES (?, 'ft-1', 'Form', 'audit', ?, ?)`,
					[]any{tn.orgID, now, now}},
				{`INSERT INTO form_versions (organization_id, id, template_id, number, status, definition, created_at)
					VALUES (?, 'fv-1', 'ft-1', 1, 'published', '{}', ?)`, []any{tn.orgID, now}},
				{`INSERT INTO audits (organization_id, id, number, station_id, form_version_id, auditor_user_id, status, scheduled_for,
					created_by, created_at, updated_at) VALUES (?, 'au-1', 'AUD-2026-0001', 'st-1', 'fv-1', ?, 'Completed', ?, ?, ?, ?)`,
					[]any{tn.orgID, tn.userID, now, tn.userID, now, now}},
			} {
				if _, err := tx.Exec(ctx, q.sql, q.args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, title := range []string{"Fix signage", "Refill spill kit"} {
			a := &capa.Action{Title: title, SourceType: capa.SourceFinding, SourceID: "f-" + title, AuditID: "au-1", StationID: "st-1",
				Severity: "Major", CreatedBy: tn.userID, CreatedAt: now}
			if err := db.Actions().InTx(ctx, hse.TxScope{OrgID: tn.orgID}, func(tx capa.Tx) error { return tx.CreateAction(ctx, tn.orgID, a) }); err != nil {
				t.Fatal(err)
			}
			if a.DueOn.Format(time.DateOnly) != "2026-04-15" {
				t.Errorf("due %s, want 14 days for Major", a.DueOn.Format(time.DateOnly))
			}
			ids = append(ids, a.ID)
		}
		verifyAndClose := func(id string) bool {
			var closed bool
			err := db.Actions().InTx(ctx, hse.TxScope{OrgID: tn.orgID}, func(tx capa.Tx) error {
				a, err := tx.FindAction(ctx, tn.orgID, id)
				if err != nil {
					return err
				}
				a.Status, a.Version = capa.StatusVerified, a.Version+1
				if err := tx.UpdateAction(ctx, tn.orgID, a, a.Version-1); err != nil {
					return err
				}
				closed, err = tx.CloseAuditIfAllVerified(ctx, tn.orgID, "au-1", now)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return closed
		}
		if verifyAndClose(ids[0]) {
			t.Error("the audit closed with an action still open")
		}
		if !verifyAndClose(ids[1]) {
			t.Error("the audit did not close when its last action was verified")
		}
		var status string
		var version int64
		err = db.InTx(ctx, sc, func(tx *sqlstore.Tx) error {
			return tx.QueryRow(ctx, `SELECT status, version FROM audits WHERE organization_id = ? AND id = 'au-1'`, tn.orgID).Scan(&status, &version)
		})
		if err != nil || status != "Closed" || version != 2 {
			t.Errorf("audit %s version %d (%v), want Closed 2", status, version, err)
		}
	})
}

// Row-level security covers the tables of stations, contractors and
// actions: an unfiltered query inside one organization's transaction sees
// only that organization's rows.
func TestSitesRowLevelSecurity(t *testing.T) {
	db := rlsDB(t)
	ctx := context.Background()
	now := time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)
	a, b := seedTenant(t, db, "RlsSitesA"), seedTenant(t, db, "RlsSitesB")
	for _, tn := range []tenant{a, b} {
		err := db.InTx(ctx, sqlstore.Scope{OrgID: tn.orgID}, func(tx *sqlstore.Tx) error {
			for _, q := range []string{
				`INSERT INTO stations (organization_id, id, code, name, risk_category, audit_frequency, created_at, updated_at) VALUES (?, 'st', 'ST', 'S', 'Low', 'Monthly', ?, ?)`,
				`INSERT INTO station_hours (organization_id, station_id, month, hours, updated_at) VALUES (?, 'st', '2026-01', 1, ?)`,
				`INSERT INTO contractors (organization_id, id, name, status, created_at, updated_at) VALUES (?, 'co', 'C', 'Active', ?, ?)`,
				`INSERT INTO contractor_documents (organization_id, id, contractor_id, type, created_at) VALUES (?, 'doc', 'co', 'other', ?)`,
			} {
				args := []any{tn.orgID}
				for range strings.Count(q, "?") - 1 {
					args = append(args, now)
				}
				if _, err := tx.Exec(ctx, q, args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Actions().InTx(ctx, hse.TxScope{OrgID: tn.orgID}, func(tx capa.Tx) error {
			return tx.CreateAction(ctx, tn.orgID, &capa.Action{Title: "A", SourceType: capa.SourceManual, CreatedAt: now})
		}); err != nil {
			t.Fatal(err)
		}
	}
	for _, table := range []string{"stations", "station_hours", "contractors", "contractor_documents", "actions", "action_events"} {
		got := orgsIn(t, db, sqlstore.Scope{OrgID: a.orgID}, table)
		if len(got) == 0 || slices.ContainsFunc(got, func(o string) bool { return o != a.orgID }) {
			t.Errorf("%s seen from A: %v", table, got)
		}
		if got := orgsIn(t, db, sqlstore.Scope{}, table); len(got) != 0 {
			t.Errorf("%s seen without an organization: %v", table, got)
		}
	}
	// A write into another organization is refused by the policy.
	err := db.InTx(ctx, sqlstore.Scope{OrgID: a.orgID}, func(tx *sqlstore.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO stations (organization_id, id, code, name, risk_category, audit_frequency, created_at, updated_at)
			VALUES (?, 'st2', 'ST2', 'S', 'Low', 'Monthly', ?, ?)`, b.orgID, now, now)
		return err
	})
	if err == nil {
		t.Error("a station was written into another organization")
	}
}
