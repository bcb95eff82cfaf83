package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/audit"
	"github.com/hsedigital/hse/internal/checklist"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// auditTables are the checklist and audit tables, all tenant-owned.
var auditTables = []string{"form_templates", "form_versions", "audits", "audit_answers", "findings"}

// seedAudits gives a tenant the starter templates, a station, one audit
// with an answer and a finding; it returns the audit id.
func seedAudits(t *testing.T, db *sqlstore.DB, tn tenant) string {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	stationID, auditID := newID(), newID()
	err := db.Audits().InTx(ctx, hse.TxScope{OrgID: tn.orgID, UserID: tn.userID}, func(tx audit.Tx) error {
		if err := audit.InstallStarters(ctx, tx, tn.orgID, tn.userID, now); err != nil {
			return err
		}
		pg, err := tx.FindTemplates(ctx, tn.orgID, audit.TemplateFilter{}, hse.PageRequest{Limit: 10})
		if err != nil || len(pg.Items) != 2 {
			t.Fatalf("starter templates: %v %v", pg.Items, err)
		}
		v, err := tx.FindLatestPublished(ctx, tn.orgID, pg.Items[0].ID)
		if err != nil {
			return err
		}
		return insertStation(ctx, tx, tn.orgID, stationID, now, func() error {
			a := &audit.Audit{ID: auditID, Number: "AUD-2026-0001", StationID: stationID, FormVersionID: v.ID, AuditorUserID: tn.userID,
				Status: audit.StatusInProgress, ScheduledFor: now, Version: 1, CreatedBy: tn.userID, CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateAudit(ctx, tn.orgID, a); err != nil {
				return err
			}
			if err := tx.PutAnswer(ctx, tn.orgID, auditID, &audit.StoredAnswer{ItemKey: "spill_kit",
				Answer: checklist.Answer{Value: json.RawMessage(`"fail"`)}, AnsweredBy: tn.userID, AnsweredAt: now}); err != nil {
				return err
			}
			return tx.CreateFinding(ctx, tn.orgID, &audit.Finding{ID: newID(), AuditID: auditID, ItemKey: "spill_kit", Severity: "Minor", CreatedAt: now})
		})
	})
	if err != nil {
		t.Fatalf("seeding audits: %v", err)
	}
	return auditID
}

// insertStation adds a bare station through the audit transaction's own
// connection (the stations table belongs to another store; these tests
// need only a row), then runs next.
func insertStation(ctx context.Context, tx audit.Tx, orgID, id string, at time.Time, next func() error) error {
	ex, ok := tx.(interface {
		Exec(context.Context, string, ...any) (sql.Result, error)
	})
	if !ok {
		return errors.New("the audit transaction cannot run SQL")
	}
	if _, err := ex.Exec(ctx, `INSERT INTO stations (organization_id, id, code, name, risk_category, audit_frequency, created_at, updated_at)
		VALUES (?, ?, ?, 'Seeded', 'Low', 'Monthly', ?, ?)`, orgID, id, "S-"+id[len(id)-6:], at, at); err != nil {
		return err
	}
	return next()
}

func TestAuditTablesRowLevelSecurity(t *testing.T) {
	db := rlsDB(t)
	a, b := seedTenant(t, db, "AuditsA"), seedTenant(t, db, "AuditsB")
	seedAudits(t, db, a)
	bAudit := seedAudits(t, db, b)
	ctx := context.Background()
	// Unfiltered statements inside A's transaction see only A's rows.
	err := db.InTx(ctx, sqlstore.Scope{OrgID: a.orgID, UserID: a.userID}, func(tx *sqlstore.Tx) error {
		for _, table := range auditTables {
			var total, other int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*), COUNT(*) FILTER (WHERE organization_id <> ?) FROM `+table, a.orgID).Scan(&total, &other); err != nil {
				return err
			}
			if total == 0 || other != 0 {
				t.Errorf("%s: A's transaction sees %d rows, %d of another tenant", table, total, other)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Writing into B's audit from A's transaction fails.
	err = db.InTx(ctx, sqlstore.Scope{OrgID: a.orgID, UserID: a.userID}, func(tx *sqlstore.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO audit_answers (organization_id, audit_id, item_key, value, answered_by, answered_at)
			VALUES (?, ?, 'x', '"pass"', ?, ?)`, b.orgID, bAudit, a.userID, time.Now().UTC())
		return err
	})
	if err == nil {
		t.Error("A's transaction wrote an answer into B's audit")
	}
}

var errRollback = errors.New("rollback")

func TestPublishedVersionsAreImmutable(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		db := hsetest.MigratedDB(t, engine)
		tn := seedTenant(t, db, "Immutable")
		ctx := context.Background()
		now := time.Now().UTC()
		err := db.Audits().InTx(ctx, hse.TxScope{OrgID: tn.orgID}, func(tx audit.Tx) error {
			if err := audit.InstallStarters(ctx, tx, tn.orgID, tn.userID, now); err != nil {
				return err
			}
			pg, err := tx.FindTemplates(ctx, tn.orgID, audit.TemplateFilter{Kind: audit.KindAudit}, hse.PageRequest{Limit: 10})
			if err != nil {
				return err
			}
			if len(pg.Items) != 1 || pg.Items[0].Name != "Quarterly Compliance Audit" {
				t.Fatalf("audit-kind templates: %+v", pg.Items)
			}
			v, err := tx.FindLatestPublished(ctx, tn.orgID, pg.Items[0].ID)
			if err != nil {
				return err
			}
			v.Definition = checklist.Definition{}
			if err := tx.UpdateDraft(ctx, tn.orgID, v); !hse.IsNotFound(err) {
				t.Errorf("updating a published version: %v, want not found", err)
			}
			if err := tx.PublishVersion(ctx, tn.orgID, v); !hse.IsNotFound(err) {
				t.Errorf("publishing a published version: %v, want not found", err)
			}
			again, err := tx.FindVersion(ctx, tn.orgID, v.ID)
			if err != nil {
				return err
			}
			if len(again.Definition.Sections) == 0 || checklist.Validate(&again.Definition) != nil {
				t.Errorf("published definition changed: %+v", again.Definition)
			}
			// A second draft of the same template is refused by the database.
			d := &audit.FormVersion{ID: newID(), TemplateID: v.TemplateID, Number: 2, Status: audit.VersionDraft, CreatedAt: now}
			if err := tx.CreateVersion(ctx, tn.orgID, d); err != nil {
				return err
			}
			d2 := &audit.FormVersion{ID: newID(), TemplateID: v.TemplateID, Number: 3, Status: audit.VersionDraft, CreatedAt: now}
			if err := tx.CreateVersion(ctx, tn.orgID, d2); hse.KindOf(err) != hse.KindConflict {
				t.Errorf("second draft: %v, want a conflict", err)
			}
			return errRollback // the failed insert ends the transaction on PostgreSQL
		})
		if !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
	})
}
