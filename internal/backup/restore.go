package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hsedigital/hse/internal/sqlstore"
)

// ErrNotEmpty is returned by Restore when the target holds data and force
// was not given.
var ErrNotEmpty = errors.New("the database is not empty: restoring would replace its data; pass --force (a safety backup is taken first unless --no-safety-backup)")

// RestoreOptions control a restore.
type RestoreOptions struct {
	Force        bool // replace a database that holds data
	SafetyBackup bool // back the current data up first (when there is any)
	Dir          string
	// Remote, when set, receives the safety backup before anything is
	// replaced: a copy left only on a pod's disk would die with the pod.
	Remote *Remote
}

// Restore replaces the target's data with a backup. It refuses a database
// that holds data unless forced, then takes a safety backup of it first.
// The schema ends at the backup's version; run `hse migrate up` after.
func Restore(ctx context.Context, db *sqlstore.DB, t Target, path string, o RestoreOptions, now time.Time) (*Metadata, error) {
	m, err := ReadMetadata(path)
	if err != nil {
		return nil, err
	}
	artifact := filepath.Join(filepath.Dir(path), m.File)
	if m.Engine != t.Engine {
		return nil, fmt.Errorf("this is a %s backup; the configured database is %s", m.Engine, t.Engine)
	}
	if err := verify(ctx, filepath.Dir(path), m, nil); err != nil {
		return nil, err
	}
	hasData, err := db.HasData(ctx)
	if err != nil {
		return nil, err
	}
	if hasData && !o.Force {
		return nil, ErrNotEmpty
	}
	if hasData && o.SafetyBackup {
		sm, err := Create(ctx, db, t, o.Dir, "safety", now)
		if err != nil {
			return nil, fmt.Errorf("safety backup failed, nothing was restored: %w", err)
		}
		if o.Remote != nil {
			if err := o.Remote.Upload(ctx, o.Dir, sm); err != nil {
				return nil, fmt.Errorf("the safety backup %s was written to %s but not uploaded, nothing was restored (fix the bucket, or copy it off and pass --no-safety-backup): %w", sm.Name, o.Dir, err)
			}
		}
	}
	switch t.Engine {
	case sqlstore.Postgres:
		if err := db.ResetSchema(ctx); err != nil {
			return nil, err
		}
		if err := restorePostgres(ctx, t.DatabaseURL, artifact, m.Schema); err != nil {
			return nil, err
		}
		// A restored database has no planner statistics yet; without them
		// PostgreSQL plans the big lists as if the tables were empty.
		if err := db.Analyze(ctx); err != nil {
			return nil, fmt.Errorf("restored, but refreshing planner statistics failed (run ANALYZE): %w", err)
		}
	case sqlstore.SQLite:
		if err := restoreSQLite(ctx, db, artifact); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// restoreSQLite decompresses the copy, checks it, and replaces the open
// database's schema and rows with it in one transaction, so the file (and
// any process holding it open) stays the same.
func restoreSQLite(ctx context.Context, db *sqlstore.DB, artifact string) error {
	tmp, err := os.CreateTemp(filepath.Dir(db.SQLitePath()), ".restore-*.db")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpName)
	if err := gunzipFile(artifact, tmpName); err != nil {
		return err
	}
	if err := checkSQLiteFile(ctx, tmpName); err != nil {
		return err
	}
	return db.ReplaceFrom(ctx, tmpName)
}
