package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/capa"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// A constraint violation that reaches the database comes out of the
// transaction as a domain error (400 or 409 to the client), never as an
// internal error, on both engines; other failures stay what they are.
func TestConstraintViolationsAreDomainErrors(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		db := hsetest.MigratedDB(t, engine)
		tn := seedTenant(t, db, "Constraints")
		ctx := context.Background()
		now := time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)
		a := &capa.Action{Title: "Fix the sign", SourceType: capa.SourceManual, CreatedBy: tn.userID, CreatedAt: now}
		sc := hse.TxScope{OrgID: tn.orgID, UserID: tn.userID}
		if err := db.Actions().InTx(ctx, sc, func(tx capa.Tx) error {
			if err := capa.Prepare(a, now); err != nil {
				return err
			}
			return tx.CreateAction(ctx, tn.orgID, a)
		}); err != nil {
			t.Fatal(err)
		}
		station := `INSERT INTO stations (organization_id, id, code, name, risk_category, audit_frequency, created_at, updated_at)
			VALUES (?, ?, ?, ?, 'Low', 'Monthly', ?, ?)`
		if err := db.InTx(ctx, sqlstore.Scope{OrgID: tn.orgID}, func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(ctx, station, tn.orgID, "st-1", "ST-1", "Station", now, now)
			return err
		}); err != nil {
			t.Fatal(err)
		}

		for _, c := range []struct {
			name string
			run  func(tx *sqlstore.Tx) error
			kind hse.Kind
			code string
		}{
			{"check: a priority outside the list", func(tx *sqlstore.Tx) error {
				_, err := tx.Exec(ctx, `UPDATE actions SET priority = '' WHERE organization_id = ? AND id = ?`, tn.orgID, a.ID)
				return err
			}, hse.KindInvalid, "VALIDATION_FAILED"},
			{"unique: a station code taken", func(tx *sqlstore.Tx) error {
				_, err := tx.Exec(ctx, station, tn.orgID, "st-2", "ST-1", "Twin", now, now)
				return err
			}, hse.KindConflict, "DUPLICATE"},
			{"foreign key: a link to a file that does not exist", func(tx *sqlstore.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO attachment_links (organization_id, attachment_id, entity_type, entity_id, created_at)
					VALUES (?, 'no-such-file', 'action', ?, ?)`, tn.orgID, a.ID, now)
				return err
			}, hse.KindConflict, "REFERENCE_CONFLICT"},
			{"not null: a station without a name", func(tx *sqlstore.Tx) error {
				_, err := tx.Exec(ctx, station, tn.orgID, "st-3", "ST-3", nil, now, now)
				return err
			}, hse.KindInvalid, "VALIDATION_FAILED"},
		} {
			t.Run(c.name, func(t *testing.T) {
				err := db.InTx(ctx, sqlstore.Scope{OrgID: tn.orgID, UserID: tn.userID}, c.run)
				var de *hse.Error
				if !errors.As(err, &de) || de.Kind != c.kind || de.Code != c.code {
					t.Fatalf("got %#v (%v), want kind %d code %s", de, err, c.kind, c.code)
				}
				if de.Err == nil {
					t.Error("the engine's error is not kept as the cause")
				}
			})
		}

		// A failure that is no constraint stays an internal error.
		err := db.InTx(ctx, sqlstore.Scope{OrgID: tn.orgID}, func(tx *sqlstore.Tx) error {
			_, err := tx.Exec(ctx, `SELECT no_such_column FROM stations`)
			return err
		})
		if err == nil || hse.KindOf(err) != hse.KindInternal {
			t.Errorf("a bad statement: %v (kind %d), want an internal error", err, hse.KindOf(err))
		}
		// The rolled-back transactions changed nothing.
		if err := db.Actions().InTx(ctx, sc, func(tx capa.Tx) error {
			got, err := tx.FindAction(ctx, tn.orgID, a.ID)
			if err == nil && (got.Priority != "Medium" || got.Version != 1) {
				t.Errorf("action after the refused update: %+v", got)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	})
}
