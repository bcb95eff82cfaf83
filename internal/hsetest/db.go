// Package hsetest holds test helpers shared by every package: fresh
// databases on both engines, and (later) organizations, users and clocks.
package hsetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/sqlstore"
)

// PostgresURL returns HSE_TEST_POSTGRES_URL. In CI (CI=true) a missing URL
// fails the test instead of silently testing one engine only.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("HSE_TEST_POSTGRES_URL")
	if u == "" && os.Getenv("CI") == "true" {
		t.Fatal("HSE_TEST_POSTGRES_URL must be set when CI=true: every store test runs on PostgreSQL too")
	}
	return u
}

// Engines lists the engines a test should run on: SQLite always, PostgreSQL
// when HSE_TEST_POSTGRES_URL is set.
func Engines(t testing.TB) []string {
	t.Helper()
	if PostgresURL(t) != "" {
		return []string{sqlstore.SQLite, sqlstore.Postgres}
	}
	return []string{sqlstore.SQLite}
}

// ForEachEngine runs fn as a subtest once per engine.
func ForEachEngine(t *testing.T, fn func(t *testing.T, engine string)) {
	t.Helper()
	for _, e := range Engines(t) {
		t.Run(e, func(t *testing.T) { fn(t, e) })
	}
}

// Target is a fresh, empty database for one test, described so that a
// server under test can be pointed at it through DATABASE_URL.
type Target struct {
	Options     sqlstore.Options
	DatabaseURL string
}

var schemaSeq atomic.Int64

// NewTarget creates an empty database for the test: a new SQLite file in a
// temporary directory, or a new schema in the PostgreSQL test database. It
// is removed when the test ends.
func NewTarget(t testing.TB, engine string) Target {
	t.Helper()
	switch engine {
	case sqlstore.SQLite:
		p := filepath.Join(t.TempDir(), "hse.db")
		return Target{Options: sqlstore.Options{Engine: engine, Path: p, PoolSize: 4}, DatabaseURL: "sqlite:" + p}
	case sqlstore.Postgres:
		base := PostgresURL(t)
		if base == "" {
			t.Skip("HSE_TEST_POSTGRES_URL is not set")
		}
		schema := fmt.Sprintf("t_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, schemaSeq.Add(1))
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
			t.Fatalf("creating test schema: %v", err)
		}
		t.Cleanup(func() {
			db, err := sql.Open("pgx", base)
			if err != nil {
				return
			}
			defer db.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := db.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
				t.Logf("dropping test schema %s: %v", schema, err)
			}
		})
		u := withSearchPath(t, base, schema)
		return Target{Options: sqlstore.Options{Engine: engine, URL: u, PoolSize: 4}, DatabaseURL: u}
	default:
		t.Fatalf("unknown engine %q", engine)
		return Target{}
	}
}

func withSearchPath(t testing.TB, base, schema string) string {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("HSE_TEST_POSTGRES_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// OpenDB opens a fresh database on engine without migrating it.
func OpenDB(t testing.TB, engine string) *sqlstore.DB {
	t.Helper()
	tg := NewTarget(t, engine)
	db, err := sqlstore.Open(context.Background(), tg.Options)
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// MigratedDB opens a fresh database on engine with every migration applied.
func MigratedDB(t testing.TB, engine string) *sqlstore.DB {
	t.Helper()
	db := OpenDB(t, engine)
	m, err := db.Migrator(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatalf("migrate up on %s: %v", engine, err)
	}
	return db
}

// MigratedDBAt opens the target and applies every migration.
func MigratedDBAt(t testing.TB, tg Target) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), tg.Options)
	if err != nil {
		t.Fatalf("open %s: %v", tg.Options.Engine, err)
	}
	t.Cleanup(func() { db.Close() })
	m, err := db.Migrator(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatalf("migrate up: %v", err)
	}
	return db
}

// Short returns a readable, unique suffix for names in tests.
func Short(t testing.TB) string {
	return strings.ToLower(strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()))
}
