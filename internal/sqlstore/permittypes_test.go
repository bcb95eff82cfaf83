package sqlstore_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/permit"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// beforePermitTypes is the schema version just before permit types became
// the organization's own.
func beforePermitTypes(t *testing.T, engine string) int64 {
	t.Helper()
	migs, err := sqlstore.Migrations(engine)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range migs {
		if m.Name == "permit_types" && i > 0 {
			return migs[i-1].Version
		}
	}
	t.Fatal("no permit_types migration")
	return 0
}

// The migration that made permit types configurable carries existing data
// over, on both engines: every organization gets the starter types exactly
// as a new one does (the SQL's JSON is Go's), each permit moves onto the
// starter type of its old type at version 1 with its name, gas tests keep
// their four readings by gas, precautions, extensions and history survive
// the table rebuild, and the system roles that test gases gain
// permits:gas_test. Down and up again keep the permits.
func TestPermitTypesMigrationCarriesData(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := hsetest.MigratedDB(t, engine)
		m, err := db.Migrator(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		prev := beforePermitTypes(t, engine)
		if _, err := m.DownTo(ctx, prev); err != nil {
			t.Fatalf("down to %d: %v", prev, err)
		}
		a := seedTenant(t, db, "MigPermits")
		t0 := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
		old := map[string]string{"p-tank": "Tank Cleaning", "p-hot": "Hot Work", "p-el": "Electrical", "p-gen": "General"}
		err = db.InTx(ctx, sqlstore.Scope{OrgID: a.orgID}, func(tx *sqlstore.Tx) error {
			stmts := []struct {
				q    string
				args []any
			}{
				{`INSERT INTO stations (organization_id, id, code, name, risk_category, audit_frequency, created_at, updated_at)
					VALUES (?, 'st', 'ST', 'S', 'Low', 'Monthly', ?, ?)`, []any{a.orgID, t0, t0}},
				{`INSERT INTO roles (organization_id, id, name, system, scope, permissions, created_at, updated_at)
					VALUES (?, 'sys-station_manager', 'Station Manager', TRUE, 'stations', '["permits:read","permits:activate"]', ?, ?)`, []any{a.orgID, t0, t0}},
				{`INSERT INTO permit_precautions (organization_id, permit_id, key, confirmed_by, confirmed_at, note)
					VALUES (?, 'p-hot', 'fire_watch', 'u', ?, 'watching')`, []any{a.orgID, t0}},
				{`INSERT INTO permit_gas_tests (organization_id, id, permit_id, o2, lel, h2s, co, tested_at, tester, passed, recorded_by, recorded_at)
					VALUES (?, 'g1', 'p-tank', 20.9, 1.5, 0, 3, ?, 'T', TRUE, 'u', ?)`, []any{a.orgID, t0, t0}},
				{`INSERT INTO permit_extensions (organization_id, id, permit_id, old_valid_to, new_valid_to, reason, extended_by, extended_at)
					VALUES (?, 'x1', 'p-hot', ?, ?, 'rain', 'u', ?)`, []any{a.orgID, t0.Add(4 * time.Hour), t0.Add(6 * time.Hour), t0}},
				{`INSERT INTO permit_events (organization_id, id, permit_id, at, kind) VALUES (?, 'e1', 'p-el', ?, 'created')`, []any{a.orgID, t0}},
			}
			if _, err := tx.Exec(ctx, stmts[0].q, stmts[0].args...); err != nil {
				return err
			}
			for _, id := range []string{"p-tank", "p-hot", "p-el", "p-gen"} {
				if _, err := tx.Exec(ctx, `INSERT INTO permits (organization_id, id, number, type, station_id, requested_by, description, location,
					valid_from, valid_to, original_valid_to, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'st', 'u', 'd', 'l', ?, ?, ?, 'Active', ?, ?)`,
					a.orgID, id, id, old[id], t0, t0.Add(4*time.Hour), t0.Add(4*time.Hour), t0, t0); err != nil {
					return err
				}
			}
			for _, s := range stmts[1:] {
				if _, err := tx.Exec(ctx, s.q, s.args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatalf("up: %v", err)
		}
		err = db.Permits().InTx(ctx, hse.TxScope{OrgID: a.orgID, ReadOnly: true}, func(tx permit.Tx) error {
			types, err := tx.FindPermitTypes(ctx, a.orgID)
			if err != nil {
				return err
			}
			var got, want []string
			for _, pt := range types {
				if !pt.Active || pt.UpdatedBy != "" {
					t.Errorf("migrated type %s: active %v, updated by %q", pt.Key, pt.Active, pt.UpdatedBy)
				}
				got = append(got, pt.Key+" "+pt.Current.Type+" "+sqlstore.EncodeTypeRules(pt.Current))
			}
			for _, r := range permit.StarterTypes() {
				want = append(want, r.Key+" "+r.Type+" "+sqlstore.EncodeTypeRules(r))
			}
			slices.Sort(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("migrated types differ from the starter types (-want +got):\n%s", diff)
			}
			for id, want := range map[string]string{"p-tank": "confined_space Confined Space / Tank Entry", "p-hot": "hot_work Hot Work",
				"p-el": "electrical_isolation Electrical Isolation", "p-gen": "general General"} {
				p, err := tx.FindPermit(ctx, a.orgID, id)
				if err != nil {
					return err
				}
				if got := p.TypeKey + " " + p.Type; got != want || p.TypeVersion != 1 || p.Status != permit.StatusActive {
					t.Errorf("%s: %s v%d %s, want %s v1", id, got, p.TypeVersion, p.Status, want)
				}
			}
			gas, err := tx.FindGasTests(ctx, a.orgID, "p-tank")
			if err != nil {
				return err
			}
			if len(gas) != 1 || !cmp.Equal(gas[0].Readings, map[string]float64{"O2": 20.9, "LEL": 1.5, "H2S": 0, "CO": 3}) {
				t.Errorf("gas tests after the migration: %+v", gas)
			}
			pcs, err := tx.FindPrecautions(ctx, a.orgID, "p-hot")
			if err != nil {
				return err
			}
			xs, err := tx.FindExtensions(ctx, a.orgID, "p-hot")
			if err != nil {
				return err
			}
			evs, err := tx.FindPermitEvents(ctx, a.orgID, "p-el")
			if err != nil {
				return err
			}
			if len(pcs) != 1 || pcs[0].Note != "watching" || len(xs) != 1 || len(evs) != 1 {
				t.Errorf("children lost in the rebuild: precautions %v, extensions %v, events %v", pcs, xs, evs)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var perms string
		if err := db.InTx(ctx, sqlstore.Scope{OrgID: a.orgID, ReadOnly: true}, func(tx *sqlstore.Tx) error {
			return tx.QueryRow(ctx, `SELECT permissions FROM roles WHERE organization_id = ? AND id = 'sys-station_manager'`, a.orgID).Scan(&perms)
		}); err != nil {
			t.Fatal(err)
		}
		var list []string
		if err := json.Unmarshal([]byte(perms), &list); err != nil || !slices.Contains(list, "permits:gas_test") || slices.Contains(list, "permits:configure") {
			t.Errorf("station manager's permissions after the migration: %s %v", perms, err)
		}
		if _, err := m.DownTo(ctx, prev); err != nil {
			t.Fatalf("down again: %v", err)
		}
		var typ string
		var o2 float64
		if err := db.InTx(ctx, sqlstore.Scope{OrgID: a.orgID, ReadOnly: true}, func(tx *sqlstore.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT type FROM permits WHERE organization_id = ? AND id = 'p-el'`, a.orgID).Scan(&typ); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT o2 FROM permit_gas_tests WHERE organization_id = ? AND id = 'g1'`, a.orgID).Scan(&o2)
		}); err != nil {
			t.Fatal(err)
		}
		if typ != "Electrical" || o2 != 20.9 {
			t.Errorf("after down: type %q, o2 %v", typ, o2)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatalf("up again: %v", err)
		}
	})
}

// A new organization's starter types are stored and read back whole, and
// a new version keeps the old one readable; a stale edit is refused.
func TestPermitTypeVersions(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db := hsetest.MigratedDB(t, engine)
		a, b := seedTenant(t, db, "TypesA"), seedTenant(t, db, "TypesB")
		now := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
		if err := db.InTx(ctx, sqlstore.Scope{OrgID: a.orgID}, func(tx *sqlstore.Tx) error {
			return tx.CreateStarterPermitTypes(ctx, a.orgID, now)
		}); err != nil {
			t.Fatal(err)
		}
		err := db.Permits().InTx(ctx, hse.TxScope{OrgID: a.orgID}, func(tx permit.Tx) error {
			types, err := tx.FindPermitTypes(ctx, a.orgID)
			if err != nil {
				return err
			}
			hot, ok := permit.MatchType(types, "hot work")
			if !ok || len(types) != len(permit.StarterTypes()) {
				t.Fatalf("types %v", types)
			}
			if diff := cmp.Diff(permit.StarterTypes()[0], hot.Current); diff != "" {
				t.Errorf("hot work read back (-want +got):\n%s", diff)
			}
			next := hot
			next.Current.Version, next.Current.Type, next.UpdatedBy, next.UpdatedAt = 2, "Hot Work (forecourt)", a.userID, now.Add(time.Hour)
			next.Current.Precautions = append(next.Current.Precautions, permit.PrecautionDef{Key: "gas_free_cert", Label: "Gas-free certificate"})
			if err := tx.UpdatePermitType(ctx, a.orgID, &next, 1); err != nil {
				return err
			}
			if err := tx.UpdatePermitType(ctx, a.orgID, &next, 1); hse.KindOf(err) != hse.KindPrecondition {
				t.Errorf("a second edit of version 1: %v, want stale", err)
			}
			v1, err := tx.FindTypeVersion(ctx, a.orgID, permit.KeyHotWork, 1)
			if err != nil {
				return err
			}
			v2, err := tx.FindTypeVersion(ctx, a.orgID, permit.KeyHotWork, 2)
			if err != nil {
				return err
			}
			if len(v1.Precautions) != len(hot.Current.Precautions) || v2.Type != "Hot Work (forecourt)" || len(v2.Precautions) != len(v1.Precautions)+1 {
				t.Errorf("versions: v1 %+v v2 %+v", v1, v2)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// Another organization sees none of them.
		err = db.Permits().InTx(ctx, hse.TxScope{OrgID: b.orgID, ReadOnly: true}, func(tx permit.Tx) error {
			types, err := tx.FindPermitTypes(ctx, b.orgID)
			if err != nil {
				return err
			}
			if len(types) != 0 {
				t.Errorf("B sees %d types", len(types))
			}
			if _, err := tx.FindTypeVersion(ctx, b.orgID, permit.KeyHotWork, 1); !hse.IsNotFound(err) {
				t.Errorf("B reads A's version: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
