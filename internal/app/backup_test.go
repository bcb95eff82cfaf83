package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/backup"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// fillEveryTable puts rows into every table through the API (and the two
// bookkeeping tables directly), so a round trip proves every table survives.
func fillEveryTable(t *testing.T, e *apptest.Env) {
	t.Helper()
	owner := e.Signup("Backup Fuel")
	e.Invite(owner, "sys-viewer", nil)
	e.Must(201, e.Call("POST", "/api/invitations", owner.Access, map[string]any{"email": "pending@example.com", "roleId": "sys-auditor"}))
	e.Must(202, e.Call("POST", "/api/auth/password-reset/request", "", map[string]any{"email": owner.Email}))
	ctx := context.Background()
	err := e.App.DB.InTx(ctx, sqlstore.Scope{OrgID: owner.OrgID}, func(tx *sqlstore.Tx) error {
		if _, err := tx.NextNumber(ctx, owner.OrgID, "AUD-2026"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO app_meta (key, value) VALUES ('installation', 'backup-test')`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fillDomainTables(t, e, owner)
	counts, err := e.App.DB.RowCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for table, n := range counts {
		if n == 0 {
			t.Errorf("table %s has no rows in the backup fixture: add some to fillEveryTable or fillDomainTables", table)
		}
	}
}

func TestBackupRoundTrip(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		e := apptest.New(t, engine)
		fillEveryTable(t, e)
		src := targetOf(e)
		dir := t.TempDir()
		now := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)

		m, err := backup.Create(ctx, e.App.DB, src, dir, "pre-deploy-v1.5.0", now)
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		wantExt := map[string]string{sqlstore.SQLite: ".sqlite.gz", sqlstore.Postgres: ".sql.gz"}[engine]
		if !strings.HasSuffix(m.File, wantExt) || m.SizeBytes == 0 || len(m.SHA256) != 64 || m.SchemaVersion != sqlstore.LatestVersion(engine) {
			t.Errorf("metadata: %+v", m)
		}
		listed, err := backup.List(dir)
		if err != nil || len(listed) != 1 || listed[0].Name != m.Name {
			t.Fatalf("list: %v %v", listed, err)
		}

		// The weekly drill: checksum, gzip and a restore into scratch.
		v, err := backup.Verify(ctx, dir, m.Name, backup.NewScratch(src), now)
		if err != nil {
			t.Fatalf("verify --restore-test: %v", err)
		}
		if !v.Verification.OK || !v.Verification.RestoreTest {
			t.Errorf("verification: %+v", v.Verification)
		}

		// Restore into an empty database of the same engine.
		empty := hsetest.MigratedDB(t, engine)
		emptyTarget := backup.Target{Engine: engine, DatabaseURL: empty.URL(), SQLitePath: empty.SQLitePath()}
		if _, err := backup.Restore(ctx, empty, emptyTarget, filepath.Join(dir, m.File), backup.RestoreOptions{Dir: dir}, now); err != nil {
			t.Fatalf("restore into an empty database: %v", err)
		}
		got, err := empty.RowCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for table, want := range m.RowCounts {
			if got[table] != want {
				t.Errorf("after restore %s has %d rows, want %d", table, got[table], want)
			}
		}
		// The search index came along: it finds every audit by number.
		if engine == sqlstore.SQLite {
			err := empty.InTx(ctx, sqlstore.Scope{Platform: true, ReadOnly: true}, func(tx *sqlstore.Tx) error {
				var audits, found int
				if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM audits`).Scan(&audits); err != nil {
					return err
				}
				if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM audits a WHERE a.id IN (SELECT audit_id FROM audits_search
					WHERE audits_search MATCH '"' || a.number || '"' AND organization_id = a.organization_id)`).Scan(&found); err != nil {
					return err
				}
				if audits == 0 || found != audits {
					t.Errorf("after restore the search index finds %d of %d audits", found, audits)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if v, _ := empty.SchemaVersion(ctx); v != m.SchemaVersion {
			t.Errorf("schema version after restore = %d, want the backup's %d", v, m.SchemaVersion)
		}

		// A database with data is refused without force, and a forced
		// restore takes a safety backup first.
		_, err = backup.Restore(ctx, e.App.DB, src, filepath.Join(dir, m.File), backup.RestoreOptions{Dir: dir}, now.Add(time.Minute))
		if err != backup.ErrNotEmpty {
			t.Errorf("restore over data without --force: %v, want ErrNotEmpty", err)
		}
		if _, err := backup.Restore(ctx, e.App.DB, src, filepath.Join(dir, m.File), backup.RestoreOptions{Dir: dir, Force: true, SafetyBackup: true}, now.Add(2*time.Minute)); err != nil {
			t.Fatalf("forced restore: %v", err)
		}
		all, _ := backup.List(dir)
		if len(all) != 2 || all[0].Label != "safety" {
			t.Errorf("no safety backup before the forced restore: %+v", all)
		}
		// The platform still works on the restored data.
		u := e.Signup("After Restore Fuel")
		e.Must(200, e.Call("GET", "/api/auth/me", u.Access, nil))
	})
}

func TestBackupCorruptionIsRefused(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		e := apptest.New(t, engine)
		e.Signup("Corrupt Fuel")
		dir := t.TempDir()
		now := time.Now()
		m, err := backup.Create(ctx, e.App.DB, targetOf(e), dir, "", now)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, m.File)
		b, _ := os.ReadFile(path)
		b[len(b)/2] ^= 0xff
		os.WriteFile(path, b, 0o640)
		if _, err := backup.Verify(ctx, dir, m.Name, nil, now); err == nil || !strings.Contains(err.Error(), "corrupt") {
			t.Errorf("verify of a damaged file: %v", err)
		}
		meta, _ := backup.ReadMetadata(path)
		if meta.Verification == nil || meta.Verification.OK {
			t.Errorf("failed verification not recorded: %+v", meta.Verification)
		}
		empty := hsetest.MigratedDB(t, engine)
		_, err = backup.Restore(ctx, empty, backup.Target{Engine: engine, DatabaseURL: empty.URL(), SQLitePath: empty.SQLitePath()}, path, backup.RestoreOptions{Dir: dir}, now)
		if err == nil || !strings.Contains(err.Error(), "corrupt") {
			t.Errorf("restore of a damaged file: %v", err)
		}
	})
}

func targetOf(e *apptest.Env) backup.Target {
	return backup.Target{Engine: e.Engine, DatabaseURL: e.App.DB.URL(), SQLitePath: e.App.DB.SQLitePath()}
}
