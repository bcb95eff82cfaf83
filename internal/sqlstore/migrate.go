package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"path"
	"regexp"
	"sort"
	"strconv"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations
var migrationFiles embed.FS

// versionTable is goose's bookkeeping table.
const versionTable = "goose_db_version"

// migrationName is NNNNN_name.up.sql or NNNNN_name.down.sql.
var migrationName = regexp.MustCompile(`^(\d+)_([a-z0-9_]+)\.(up|down)\.sql$`)

// Migration is one numbered schema change with its up and down SQL.
type Migration struct {
	Version int64
	Name    string
	Up      string
	Down    string
}

// Migrations lists the embedded migrations of an engine in version order.
// Each must have both an up and a down file.
func Migrations(engine string) ([]Migration, error) {
	dir := path.Join("migrations", engine)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("no migrations for engine %q: %w", engine, err)
	}
	byVersion := map[int64]*Migration{}
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %s/%s: name must be NNNNN_name.up.sql or .down.sql", dir, e.Name())
		}
		v, _ := strconv.ParseInt(m[1], 10, 64)
		b, err := fs.ReadFile(migrationFiles, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		mig := byVersion[v]
		if mig == nil {
			mig = &Migration{Version: v, Name: m[2]}
			byVersion[v] = mig
		}
		if mig.Name != m[2] {
			return nil, fmt.Errorf("migration %d has two names: %s and %s", v, mig.Name, m[2])
		}
		if m[3] == "up" {
			mig.Up = string(b)
		} else {
			mig.Down = string(b)
		}
	}
	out := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		if m.Up == "" || m.Down == "" {
			return nil, fmt.Errorf("migration %s/%05d_%s needs both an up and a down file", dir, m.Version, m.Name)
		}
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// LatestVersion is the schema version this binary needs.
func LatestVersion(engine string) int64 {
	migs, err := Migrations(engine)
	if err != nil || len(migs) == 0 {
		return 0
	}
	return migs[len(migs)-1].Version
}

// MigrationResult reports one applied migration.
type MigrationResult struct {
	Version   int64
	Name      string
	Direction string // up or down
	Duration  string
}

// MigrationStatus reports whether one migration is applied.
type MigrationStatus struct {
	Version   int64
	Name      string
	Applied   bool
	AppliedAt string
}

// Migrator applies the embedded migrations. Each migration runs in its own
// transaction; concurrent runs (two pods starting a migration Job at once)
// are serialised by a PostgreSQL advisory lock, or a file lock on SQLite.
type Migrator struct {
	db       *DB
	provider *goose.Provider
	names    map[int64]string
}

// Migrator builds a migrator for db. logger receives goose's progress lines;
// nil discards them.
func (db *DB) Migrator(ctx context.Context, logger *slog.Logger) (*Migrator, error) {
	migs, err := Migrations(db.engine)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	gms := make([]*goose.Migration, 0, len(migs))
	for _, m := range migs {
		names[m.Version] = m.Name
		gms = append(gms, goose.NewGoMigration(m.Version, execSQL(m.Up), execSQL(m.Down)))
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	opts := []goose.ProviderOption{
		goose.WithGoMigrations(gms...),
		goose.WithDisableGlobalRegistry(true),
		goose.WithSlog(logger),
	}
	dialect := goose.DialectSQLite3
	if db.engine == Postgres {
		dialect = goose.DialectPostgres
		id, err := lockID(ctx, db.write)
		if err != nil {
			return nil, err
		}
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(id), lock.WithLockTimeout(5, 120))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db.write, nil, opts...)
	if err != nil {
		return nil, fmt.Errorf("preparing migrations: %w", err)
	}
	return &Migrator{db: db, provider: p, names: names}, nil
}

// lockID derives the advisory lock from the database and schema, so that
// pods migrating the same schema exclude each other while test schemas in
// one database do not.
func lockID(ctx context.Context, db *sql.DB) (int64, error) {
	var dbName, schema string
	if err := db.QueryRowContext(ctx, `SELECT current_database(), current_schema()`).Scan(&dbName, &schema); err != nil {
		return 0, fmt.Errorf("reading the current schema: %w", err)
	}
	h := fnv.New64a()
	h.Write([]byte("hse-migrate:" + dbName + "." + schema))
	return int64(h.Sum64() >> 1), nil
}

func execSQL(query string) *goose.GoFunc {
	return &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, query)
		return err
	}}
}

// Up applies every pending migration.
func (m *Migrator) Up(ctx context.Context) ([]MigrationResult, error) {
	var res []*goose.MigrationResult
	err := m.withFileLock(func() (err error) {
		res, err = m.provider.Up(ctx)
		return err
	})
	return m.results(res, "up"), err
}

// DownTo rolls back every migration above version (0 undoes them all).
func (m *Migrator) DownTo(ctx context.Context, version int64) ([]MigrationResult, error) {
	if version < 0 {
		return nil, fmt.Errorf("version must be 0 or more, got %d", version)
	}
	if version != 0 {
		if _, ok := m.names[version]; !ok {
			return nil, fmt.Errorf("there is no migration %d in this binary", version)
		}
	}
	var res []*goose.MigrationResult
	err := m.withFileLock(func() (err error) {
		res, err = m.provider.DownTo(ctx, version)
		return err
	})
	return m.results(res, "down"), err
}

// Down rolls back the most recent migration.
func (m *Migrator) Down(ctx context.Context) ([]MigrationResult, error) {
	var res *goose.MigrationResult
	err := m.withFileLock(func() (err error) {
		res, err = m.provider.Down(ctx)
		return err
	})
	if errors.Is(err, goose.ErrNoNextVersion) {
		return nil, errors.New("nothing to roll back: no migration is applied")
	}
	if res == nil {
		return nil, err
	}
	return m.results([]*goose.MigrationResult{res}, "down"), err
}

// Status lists every migration of this binary and whether it is applied.
func (m *Migrator) Status(ctx context.Context) ([]MigrationStatus, error) {
	st, err := m.provider.Status(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]MigrationStatus, 0, len(st))
	for _, s := range st {
		ms := MigrationStatus{Version: s.Source.Version, Name: m.names[s.Source.Version], Applied: s.State == goose.StateApplied}
		if ms.Applied && !s.AppliedAt.IsZero() {
			ms.AppliedAt = s.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
		}
		out = append(out, ms)
	}
	return out, nil
}

func (m *Migrator) results(rs []*goose.MigrationResult, dir string) []MigrationResult {
	out := make([]MigrationResult, 0, len(rs))
	for _, r := range rs {
		if r == nil || r.Source == nil {
			continue
		}
		out = append(out, MigrationResult{Version: r.Source.Version, Name: m.names[r.Source.Version], Direction: dir, Duration: r.Duration.String()})
	}
	return out
}

// SchemaVersion reads the applied schema version without taking locks or
// creating anything, so health checks can call it. 0 means an empty database.
func (db *DB) SchemaVersion(ctx context.Context) (int64, error) {
	var exists bool
	if err := db.read.QueryRowContext(ctx, db.dialect.rebind(db.dialect.tableExistsQuery()), versionTable).Scan(&exists); err != nil {
		return 0, fmt.Errorf("reading the schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int64
	q := `SELECT COALESCE(MAX(version_id), 0) FROM ` + versionTable + ` WHERE is_applied`
	if err := db.read.QueryRowContext(ctx, q).Scan(&v); err != nil {
		return 0, fmt.Errorf("reading the schema version: %w", err)
	}
	return v, nil
}

// ErrSchemaBehind is returned by CheckSchema when migrations are pending.
var ErrSchemaBehind = errors.New("schema is behind")

// SchemaBehindError says how far behind the schema is and what to do.
type SchemaBehindError struct{ Current, Needed int64 }

func (e *SchemaBehindError) Error() string {
	return fmt.Sprintf("schema is at %d, this binary needs %d: run \"hse migrate up\"", e.Current, e.Needed)
}

// Is makes errors.Is(err, ErrSchemaBehind) true.
func (e *SchemaBehindError) Is(target error) bool { return target == ErrSchemaBehind }

// CheckSchema compares the applied version with the one this binary needs.
// A newer schema is accepted: migrations are forward-compatible, so the
// previous release keeps running during a blue/green switch or rollback.
func (db *DB) CheckSchema(ctx context.Context) (current, needed int64, err error) {
	needed = LatestVersion(db.engine)
	current, err = db.SchemaVersion(ctx)
	if err != nil {
		return 0, needed, err
	}
	if current < needed {
		return current, needed, &SchemaBehindError{Current: current, Needed: needed}
	}
	return current, needed, nil
}
