package backup

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/sqlstore"
)

// dbState is what a restore compares before and after: the schema version
// and the rows per table.
type dbState struct {
	Version int64
	Rows    map[string]int64
}

func readState(ctx context.Context, db *sqlstore.DB) (*dbState, error) {
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.RowCounts(ctx)
	if err != nil {
		return nil, err
	}
	return &dbState{Version: v, Rows: rows}, nil
}

func (s *dbState) hasData() bool {
	for _, n := range s.Rows {
		if n > 0 {
			return true
		}
	}
	return false
}

func (s *dbState) String() string {
	var total int64
	for _, n := range s.Rows {
		total += n
	}
	return fmt.Sprintf("schema version %d, %d rows in %d tables", s.Version, total, len(s.Rows))
}

// RestoreError is a restore that failed once it had started replacing
// data. It says what state the database was found in afterwards (checked,
// not assumed) and where the data from before the restore is kept.
type RestoreError struct {
	Err           error
	Before, After *dbState
	AfterErr      error     // the state after could not be read
	Safety        *Metadata // the safety backup taken first, if any
	SafetySkipped bool      // there was data and --no-safety-backup was given
	Dir           string    // where Safety is
	Remote        *Remote   // where Safety was uploaded too, if set
}

// Unchanged reports whether the database was found as it was before the
// restore.
func (e *RestoreError) Unchanged() bool {
	return e.After != nil && e.After.Version == e.Before.Version && maps.Equal(e.After.Rows, e.Before.Rows)
}

func (e *RestoreError) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	switch {
	case e.AfterErr != nil:
		fmt.Fprintf(&b, "\nThe state of the database could not be read after the failure (%v); before the restore it had %s.", e.AfterErr, e.Before)
	case e.Unchanged():
		fmt.Fprintf(&b, "\nThe restore was rolled back: the database still holds its data from before the restore (checked: %s, as before).", e.After)
	default:
		fmt.Fprintf(&b, "\nThe database is NOT as it was before the restore: it now has %s; before, it had %s.", e.After, e.Before)
	}
	switch {
	case e.Safety != nil:
		where := filepath.Join(e.Dir, e.Safety.File)
		if e.Remote != nil {
			where += " and " + e.Remote.URL
		}
		fmt.Fprintf(&b, "\nThe safety backup of that data is %s (in %s); to go back to it: hse backup restore %s --force", e.Safety.Name, where, e.Safety.Name)
	case e.SafetySkipped:
		b.WriteString("\nNo safety backup was taken (--no-safety-backup).")
	}
	return b.String()
}

func (e *RestoreError) Unwrap() error { return e.Err }

// ServersRunningError is a restore refused because hse servers use the
// database: their jobs and outbox relay would work against the tables being
// replaced, and their caches would outlive the data.
type ServersRunningError struct {
	Engine   string
	Servers  []sqlstore.Server // PostgreSQL only: who holds the lock
	LockFile string            // SQLite: the lock the servers hold
}

func (e *ServersRunningError) Error() string {
	var b strings.Builder
	b.WriteString("refusing to restore while hse servers use this database")
	if e.Engine == sqlstore.SQLite {
		fmt.Fprintf(&b, " (a server holds %s)", e.LockFile)
	} else {
		fmt.Fprintf(&b, " (%d connected", len(e.Servers))
		for _, s := range e.Servers {
			fmt.Fprintf(&b, "; pid %d", s.PID)
			if s.Application != "" {
				fmt.Fprintf(&b, " %q", s.Application)
			}
			if s.Client != "" {
				b.WriteString(" from " + s.Client)
			}
			if !s.Since.IsZero() {
				b.WriteString(" since " + s.Since.UTC().Format(time.RFC3339))
			}
		}
		b.WriteString(")")
	}
	b.WriteString(": their jobs and outbox relay would run against the tables being replaced.\n" +
		"Stop every server first, then run the restore again. In Kubernetes, scale both slots to 0 and wait for their pods to go:\n" +
		"  kubectl scale deployment/prod-hse-app-blue deployment/prod-hse-app-green --replicas=0 -n hse-production\n" +
		"  kubectl wait --for=delete pod -l app=hse-app -n hse-production --timeout=5m\n" +
		"Elsewhere, stop the \"hse serve\" process (its service, or Ctrl-C).")
	return b.String()
}
