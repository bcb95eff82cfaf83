package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// Restore replaces the target's data with a backup, all or nothing: the
// backup is replayed in one transaction that also drops what it replaces,
// so a restore that fails part way leaves the database as it was, which a
// *RestoreError then says (having checked it). It refuses while an hse
// server uses the database (*ServersRunningError), and a database that
// holds data unless forced, when it takes a safety backup first. path is a
// backup's artifact or metadata file, or a plain `pg_dump | gzip` file
// without metadata. The schema ends at the backup's version; run
// `hse migrate up` after.
func Restore(ctx context.Context, db *sqlstore.DB, t Target, path string, o RestoreOptions, now time.Time) (*Metadata, error) {
	m, plain, err := openBackup(path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	artifact := filepath.Join(dir, m.File)
	if m.Engine != t.Engine {
		if plain {
			return nil, fmt.Errorf("%s is a plain PostgreSQL dump without metadata; the configured database is %s", path, t.Engine)
		}
		return nil, fmt.Errorf("this is a %s backup; the configured database is %s", m.Engine, t.Engine)
	}
	pg := pgRestore{fromSchema: m.Schema}
	if t.Engine == sqlstore.Postgres {
		if err := clientTools("psql"); err != nil {
			return nil, err // before anything, the safety backup included
		}
		if pg.schema, pg.preamble, err = db.RestorePreamble(ctx); err != nil {
			return nil, err
		}
	}
	if plain {
		err = checkPlain(artifact, pg.schema)
	} else {
		err = verify(ctx, dir, m, nil)
	}
	if err != nil {
		return nil, err
	}

	// Held until the restore ends: no server starts meanwhile.
	release, ok, err := db.TryLock(ctx, sqlstore.ServingLock)
	if err != nil {
		return nil, fmt.Errorf("checking for running servers: %w", err)
	}
	if !ok {
		servers, _ := db.Servers(ctx)
		return nil, &ServersRunningError{Engine: t.Engine, Servers: servers, LockFile: db.SQLitePath() + "." + sqlstore.ServingLock + ".lock"}
	}
	defer release()

	before, err := readState(ctx, db)
	if err != nil {
		return nil, err
	}
	if before.hasData() && !o.Force {
		return nil, ErrNotEmpty
	}
	var safety *Metadata
	if before.hasData() && o.SafetyBackup {
		if safety, err = Create(ctx, db, t, o.Dir, "safety", now); err != nil {
			return nil, fmt.Errorf("safety backup failed, nothing was restored: %w", err)
		}
		if o.Remote != nil {
			if err := o.Remote.Upload(ctx, o.Dir, safety); err != nil {
				return nil, fmt.Errorf("the safety backup %s was written to %s but not uploaded, nothing was restored (fix the bucket, or copy it off and pass --no-safety-backup): %w", safety.Name, o.Dir, err)
			}
		}
	}
	switch t.Engine {
	case sqlstore.Postgres:
		err = restorePostgres(ctx, t.DatabaseURL, artifact, pg)
		db.SchemaReplaced()
	case sqlstore.SQLite:
		err = restoreSQLite(ctx, db, artifact)
	}
	if err != nil {
		re := &RestoreError{Err: err, Before: before, Safety: safety, SafetySkipped: before.hasData() && !o.SafetyBackup, Dir: o.Dir, Remote: o.Remote}
		re.After, re.AfterErr = readState(context.WithoutCancel(ctx), db)
		return nil, re
	}
	if t.Engine == sqlstore.Postgres {
		// A restored database has no planner statistics yet; without them
		// PostgreSQL plans the big lists as if the tables were empty.
		if err := db.Analyze(ctx); err != nil {
			return nil, fmt.Errorf("restored, but refreshing planner statistics failed (run ANALYZE): %w", err)
		}
	}
	return m, nil
}

// openBackup reads the metadata of the backup at path, or describes a
// plain dump that has none.
func openBackup(path string) (m *Metadata, plain bool, err error) {
	m, err = ReadMetadata(path)
	if err == nil {
		return m, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	if _, serr := os.Stat(path); serr != nil || !strings.HasSuffix(path, ".sql.gz") {
		return nil, false, err
	}
	m, err = plainMetadata(path)
	return m, err == nil, err
}

// checkPlain checks a plain dump's gzip stream and that its tables are in
// the schema being replaced: a dump of another schema would fill that one
// and leave this one empty.
func checkPlain(artifact, schema string) error {
	schemas, err := plainSchemas(artifact)
	if err != nil {
		return err
	}
	if len(schemas) == 0 {
		return fmt.Errorf("%s creates no table: it is not a dump of this database", filepath.Base(artifact))
	}
	for _, s := range schemas {
		if s != "" && s != schema {
			return fmt.Errorf("%s creates tables in schema(s) %s, and DATABASE_URL's schema is %s: dump only that schema (pg_dump --schema=%s), or restore it into a database whose schema it is",
				filepath.Base(artifact), strings.Join(schemas, ", "), schema, schema)
		}
	}
	return nil
}

// restoreSQLite decompresses the copy, checks it, and replaces the open
// database's schema and rows with it in one transaction, so the file (and
// any process holding it open) stays the same, and a failure part way
// rolls back to the old data.
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
