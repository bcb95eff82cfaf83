package sqlstore

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// utc normalises a time for storage: UTC, microseconds (PostgreSQL's
// resolution), so values read back compare equal on both engines.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// nullTime turns an optional time into a parameter.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return utc(*t)
}

// timePtr converts a scanned nullable time.
func timePtr(nt sql.NullTime) *time.Time {
	if !nt.Valid {
		return nil
	}
	t := nt.Time.UTC()
	return &t
}

// nullString stores "" as NULL, for optional references.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// jsonParam encodes v for a JSON column (TEXT on SQLite, JSONB on
// PostgreSQL).
func jsonParam(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encoding json column: %w", err)
	}
	return string(b), nil
}

// jsonScan decodes a JSON column into dst; NULL leaves dst untouched.
func jsonScan(src sql.NullString, dst any) error {
	if !src.Valid || src.String == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(src.String), dst); err != nil {
		return fmt.Errorf("decoding json column: %w", err)
	}
	return nil
}

// notFound maps sql.ErrNoRows to the domain's not-found error.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return hse.NotFound(what)
	}
	return err
}

// placeholders returns "?, ?, ?" for n parameters.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// nullJSON scans a JSON column of either engine (TEXT or JSONB).
type nullJSON struct{ sql.NullString }

// Scan accepts strings and bytes.
func (n *nullJSON) Scan(src any) error {
	switch v := src.(type) {
	case []byte:
		n.String, n.Valid = string(v), true
		return nil
	case nil:
		n.String, n.Valid = "", false
		return nil
	}
	return n.NullString.Scan(src)
}

// expectOne turns "no row changed" into not found.
func expectOne(res sql.Result, err error, what string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return hse.NotFound(what)
	}
	return nil
}

// prefixed qualifies a comma-separated column list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}
