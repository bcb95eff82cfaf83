package backup

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/sqlstore"
)

// Scratch is where a restore test restores: a temporary SQLite file, or a
// temporary PostgreSQL database created beside the configured one (the
// connecting role needs CREATEDB) and dropped afterwards.
type Scratch struct {
	t Target
}

// NewScratch prepares restore tests for backups of t's engine.
func NewScratch(t Target) *Scratch { return &Scratch{t: t} }

// restoreAndCount restores the artifact into a scratch database and counts
// its rows. A failure of the restore or the count is the backup's (a
// corruptError); failing to make the scratch database is not.
func (s *Scratch) restoreAndCount(ctx context.Context, m *Metadata, artifact string) (map[string]int64, error) {
	if m.Engine == sqlstore.SQLite {
		dir, err := os.MkdirTemp("", "hse-restore-test-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "hse.db")
		if err := gunzipFile(artifact, path); err != nil {
			return nil, err
		}
		if err := checkSQLiteFile(ctx, path); err != nil {
			return nil, &corruptError{err: err}
		}
		return countAt(ctx, sqlstore.Options{Engine: sqlstore.SQLite, Path: path, PoolSize: 2})
	}
	if s.t.Engine != sqlstore.Postgres {
		return nil, fmt.Errorf("a PostgreSQL backup needs a PostgreSQL server for its restore test")
	}
	if err := clientTools("psql"); err != nil {
		return nil, err // a missing tool is the drill's fault, not the backup's
	}
	u, err := url.Parse(s.t.DatabaseURL)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 6)
	rand.Read(b)
	scratchDB := "hse_restore_test_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", s.t.DatabaseURL)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+scratchDB); err != nil {
		return nil, fmt.Errorf("creating the scratch database (the role needs CREATEDB): %w", err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+scratchDB+` WITH (FORCE)`)
	}()
	su := *u
	su.Path = "/" + scratchDB
	scratchURL := su.String()
	// A dump of the public schema needs it to exist and be empty; a dump of
	// another schema creates that schema itself.
	if err := restorePostgres(ctx, scratchURL, artifact, pgRestore{}); err != nil {
		return nil, &corruptError{err: err}
	}
	if !strings.Contains(su.RawQuery, "search_path") && s.schemaOf(u) != "" {
		q := su.Query()
		q.Set("search_path", s.schemaOf(u))
		su.RawQuery = q.Encode()
	}
	return countAt(ctx, sqlstore.Options{Engine: sqlstore.Postgres, URL: su.String(), PoolSize: 2})
}

func (s *Scratch) schemaOf(u *url.URL) string { return u.Query().Get("search_path") }

// countAt counts the rows of a restored scratch database; a database that
// opens but cannot be counted is a bad restore.
func countAt(ctx context.Context, o sqlstore.Options) (map[string]int64, error) {
	db, err := sqlstore.Open(ctx, o)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	counts, err := db.RowCounts(ctx)
	if err != nil {
		return nil, &corruptError{err: err}
	}
	return counts, nil
}
