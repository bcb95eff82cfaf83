package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/permit"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// The clash and expiry reads: overlap is strict (touching windows do not
// overlap), only Approved and Active permits count, and another
// organization's permits are never seen, on both engines.
func TestPermitOverlapAndExpiryReads(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		db := hsetest.MigratedDB(t, engine)
		ctx := context.Background()
		a, b := seedTenant(t, db, "PermitsA"), seedTenant(t, db, "PermitsB")
		t0 := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
		h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
		for _, orgID := range []string{a.orgID, b.orgID} {
			if err := db.InTx(ctx, sqlstore.Scope{OrgID: orgID}, func(tx *sqlstore.Tx) error {
				if err := tx.CreateStarterPermitTypes(ctx, orgID, t0); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, `INSERT INTO stations (organization_id, id, code, name, risk_category, audit_frequency, created_at, updated_at)
					VALUES (?, 'st', 'ST', 'S', 'Low', 'Monthly', ?, ?)`, orgID, t0, t0)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		create := func(orgID, id, status string, from, to time.Time) {
			t.Helper()
			err := db.Permits().InTx(ctx, hse.TxScope{OrgID: orgID}, func(tx permit.Tx) error {
				return tx.CreatePermit(ctx, orgID, &permit.Permit{ID: id, Number: id, Type: "Hot Work", TypeKey: permit.KeyHotWork, TypeVersion: 1, StationID: "st", RequestedBy: "u",
					Description: "d", Location: "l", ValidFrom: from, ValidTo: to, OriginalValidTo: to, Status: status, Version: 1, CreatedAt: t0, UpdatedAt: t0})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		create(a.orgID, "approved", permit.StatusApproved, h(0), h(4))
		create(a.orgID, "active", permit.StatusActive, h(4), h(8))
		create(a.orgID, "draft", permit.StatusDraft, h(0), h(8))
		create(b.orgID, "other", permit.StatusActive, h(0), h(8))
		create(a.orgID, "stopped", permit.StatusSuspended, h(1), h(3))
		// Active work with a gas re-test due at +2h.
		if err := db.Permits().InTx(ctx, hse.TxScope{OrgID: a.orgID}, func(tx permit.Tx) error {
			p, err := tx.FindPermit(ctx, a.orgID, "active")
			if err != nil {
				return err
			}
			due := h(2)
			p.RetestDueAt = &due
			return tx.UpdatePermit(ctx, a.orgID, p, p.Version)
		}); err != nil {
			t.Fatal(err)
		}
		ids := func(ps []permit.Permit) string {
			out := ""
			for _, p := range ps {
				out += p.ID + " "
			}
			return out
		}
		err := db.Permits().InTx(ctx, hse.TxScope{OrgID: a.orgID, ReadOnly: true}, func(tx permit.Tx) error {
			for _, c := range []struct {
				from, to int
				except   string
				want     string
			}{
				{0, 8, "", "approved stopped active "}, // suspended work still holds its place
				{4, 6, "", "active "},                  // touches "approved" at 4
				{3, 5, "approved", "active "},          // the permit itself is left out
				{8, 9, "", ""},
			} {
				got, err := tx.FindOverlapping(ctx, a.orgID, "st", h(c.from), h(c.to), c.except)
				if err != nil {
					return err
				}
				if ids(got) != c.want {
					t.Errorf("overlapping %d-%d: %q, want %q", c.from, c.to, ids(got), c.want)
				}
			}
			got, err := tx.FindExpiring(ctx, a.orgID, h(4), 10)
			if err != nil {
				return err
			}
			if ids(got) != "stopped approved " {
				t.Errorf("expiring at +4h: %q", ids(got))
			}
			for at, want := range map[int]string{1: "", 2: "active "} {
				got, err := tx.FindRetestDue(ctx, a.orgID, h(at), 10)
				if err != nil {
					return err
				}
				if ids(got) != want {
					t.Errorf("re-tests due at +%dh: %q, want %q", at, ids(got), want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		orgs, err := db.Permits().ExpiringOrgs(ctx, h(8))
		if err != nil || len(orgs) != 2 {
			t.Errorf("organizations with permits to expire at +8h: %v %v", orgs, err)
		}
		if orgs, err := db.Permits().RetestDueOrgs(ctx, h(2)); err != nil || len(orgs) != 1 || orgs[0] != a.orgID {
			t.Errorf("organizations with re-tests due at +2h: %v %v", orgs, err)
		}
	})
}

// Every permit table has row-level security enabled and forced.
func TestPermitTablesForceRLS(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		if engine != sqlstore.Postgres {
			t.Skip("row-level security is PostgreSQL's")
		}
		permitTablesForceRLS(t, hsetest.MigratedDB(t, engine))
	})
}

func permitTablesForceRLS(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	err := db.InTx(ctx, sqlstore.Scope{Platform: true, ReadOnly: true}, func(tx *sqlstore.Tx) error {
		for _, table := range []string{"permits", "permit_precautions", "permit_gas_tests", "permit_extensions", "permit_events",
			"permit_types", "permit_type_versions", "permit_isolations"} {
			var enabled, forced bool
			if err := tx.QueryRow(ctx, `SELECT relrowsecurity, relforcerowsecurity FROM pg_class
				WHERE relnamespace = current_schema()::regnamespace AND relname = ?`, table).Scan(&enabled, &forced); err != nil {
				return err
			}
			if !enabled || !forced {
				t.Errorf("%s: row security enabled %v forced %v", table, enabled, forced)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
