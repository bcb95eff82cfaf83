// Package backup makes, verifies, lists, restores and prunes database
// backups. A PostgreSQL backup is a plain-SQL dump compressed with gzip,
// the same artifact as `pg_dump | gzip` in the runbook; a SQLite backup is
// a consistent online copy (VACUUM INTO) compressed with gzip. Each backup
// has a metadata file beside it.
package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/sqlstore"
)

// Target is the database a backup is made from or restored into.
type Target struct {
	Engine      string // sqlstore.SQLite or sqlstore.Postgres
	DatabaseURL string // postgres://…, for PostgreSQL
	SQLitePath  string // for SQLite
}

// Metadata describes one backup; it is stored as NAME.json beside the
// artifact NAME.sql.gz (PostgreSQL) or NAME.sqlite.gz (SQLite).
type Metadata struct {
	Name          string           `json:"name"`
	File          string           `json:"file"`
	CreatedAt     time.Time        `json:"createdAt"`
	Engine        string           `json:"engine"`
	Schema        string           `json:"schema,omitempty"` // PostgreSQL schema dumped ("" for public)
	SchemaVersion int64            `json:"schemaVersion"`
	SizeBytes     int64            `json:"sizeBytes"`
	SHA256        string           `json:"sha256"`
	RowCounts     map[string]int64 `json:"rowCounts"`
	Label         string           `json:"label,omitempty"` // "scheduled", "pre-deploy", "safety", …
	Verification  *Verification    `json:"verification,omitempty"`
}

// Verification is the result of the last verify of a backup: made when
// the backup is created, again by `hse backup verify`, and by prune for a
// backup that has none. A backup without one was never verified.
type Verification struct {
	At          time.Time `json:"at"`
	OK          bool      `json:"ok"`
	RestoreTest bool      `json:"restoreTest"`
	Error       string    `json:"error,omitempty"`
}

var labelRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,40}$`)

// artifactExt is the artifact's file extension for an engine.
func artifactExt(engine string) string {
	if engine == sqlstore.Postgres {
		return ".sql.gz"
	}
	return ".sqlite.gz"
}

// Create makes a backup of db into dir, verifies it and writes its
// metadata with the verification. The label becomes part of the name (e.g.
// pre-deploy-v1.5.0).
func Create(ctx context.Context, db *sqlstore.DB, t Target, dir, label string, now time.Time) (*Metadata, error) {
	if label != "" && !labelRE.MatchString(label) {
		return nil, fmt.Errorf("backup label %q: use lower-case letters, digits, dots and hyphens", label)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("backup directory: %w", err)
	}
	name := "hse-" + now.UTC().Format("20060102-150405")
	if label != "" {
		name = label + "-" + now.UTC().Format("20060102-150405")
	}
	version, err := db.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	counts, err := db.RowCounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("counting rows: %w", err)
	}
	file := name + artifactExt(t.Engine)
	path := filepath.Join(dir, file)
	tmp := path + ".partial"
	switch t.Engine {
	case sqlstore.Postgres:
		err = dumpPostgres(ctx, t.DatabaseURL, tmp)
	case sqlstore.SQLite:
		err = copySQLite(ctx, db, tmp)
	default:
		err = fmt.Errorf("unknown engine %q", t.Engine)
	}
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	sum, size, err := checksum(tmp)
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, err
	}
	_, schema, _ := libpqURL(t.DatabaseURL)
	m := &Metadata{Name: name, File: file, CreatedAt: now.UTC(), Engine: t.Engine, Schema: schema, SchemaVersion: version,
		SizeBytes: size, SHA256: sum, RowCounts: counts, Label: label}
	// Verified at birth (checksum and the whole gzip stream, read back from
	// the disk), so that the retention can count it at once.
	verr := verify(ctx, dir, m, nil)
	if verr != nil && !isCorrupt(verr) {
		return nil, fmt.Errorf("%s was written but could not be read back: %w", path, verr)
	}
	m.Verification = verdict(verr, false, now)
	if err := WriteMetadata(dir, m); err != nil {
		return nil, err
	}
	if verr != nil {
		return nil, fmt.Errorf("%s was written but failed its verification (kept, marked failed): %w", path, verr)
	}
	return m, nil
}

// WriteMetadata stores m as dir/NAME.json.
func WriteMetadata(dir string, m *Metadata) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, m.Name+".json.partial")
	if err := os.WriteFile(tmp, b, 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, m.Name+".json"))
}

// ReadMetadata reads the metadata of the backup whose artifact or metadata
// file is at path.
func ReadMetadata(path string) (*Metadata, error) {
	base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(path, ".json"), ".sql.gz"), ".sqlite.gz")
	b, err := os.ReadFile(base + ".json")
	if err != nil {
		return nil, fmt.Errorf("reading backup metadata: %w", err)
	}
	var m Metadata
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("backup metadata %s is corrupt: %w", base+".json", err)
	}
	return &m, nil
}

// List returns the backups in dir, newest first.
func List(dir string) ([]Metadata, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Metadata
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		m, err := ReadMetadata(filepath.Join(dir, e.Name()))
		if err != nil || m.File == "" || m.Name+".json" != e.Name() {
			continue // a stray or half-written file is not a backup
		}
		if _, err := os.Stat(filepath.Join(dir, m.File)); err != nil {
			continue
		}
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, nil
}

// checksum returns the SHA-256 and size of a file.
func checksum(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
