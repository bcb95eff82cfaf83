package sqlstore

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

// identifier guards table names read from the catalog before they are
// spliced into a COUNT query.
var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// Tables lists the application's tables in the current schema, without
// the migration bookkeeping table.
func (db *DB) Tables(ctx context.Context) ([]string, error) {
	// Virtual tables (the search index) and their shadow tables hold
	// derived data, rebuilt from the tables they index: not counted, and
	// not "data" that makes a database non-empty.
	q := `SELECT name FROM sqlite_master m WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
		AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'
		AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.type = 'table' AND v.sql LIKE 'CREATE VIRTUAL TABLE%'
			AND substr(m.name, 1, length(v.name) + 1) = v.name || '_')
		ORDER BY name`
	if db.engine == Postgres {
		q = `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	rows, err := db.read.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		if n != versionTable && identifier.MatchString(n) {
			out = append(out, n)
		}
	}
	return out, rows.Err()
}

// RowCounts counts the rows of every application table. It is a platform
// operation (backups, restore drills): on PostgreSQL it sees every tenant.
func (db *DB) RowCounts(ctx context.Context) (map[string]int64, error) {
	tables, err := db.Tables(ctx)
	if err != nil {
		return nil, err
	}
	counts := make(map[string]int64, len(tables))
	err = db.InTx(ctx, Scope{Platform: true, ReadOnly: true}, func(tx *Tx) error {
		for _, t := range tables {
			var n int64
			if err := tx.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&n); err != nil {
				return fmt.Errorf("counting %s: %w", t, err)
			}
			counts[t] = n
		}
		return nil
	})
	return counts, err
}

// HasData reports whether any application table holds a row.
func (db *DB) HasData(ctx context.Context) (bool, error) {
	counts, err := db.RowCounts(ctx)
	if err != nil {
		return false, err
	}
	for _, n := range counts {
		if n > 0 {
			return true, nil
		}
	}
	return false, nil
}

// VacuumInto writes a consistent copy of a SQLite database to path.
func (db *DB) VacuumInto(ctx context.Context, path string) error {
	if db.engine != SQLite {
		return fmt.Errorf("VACUUM INTO is a SQLite operation")
	}
	_, err := db.write.ExecContext(ctx, `VACUUM INTO ?`, path)
	return err
}

// SQLitePath is the database file of a SQLite store.
func (db *DB) SQLitePath() string { return db.path }

// RestorePreamble returns the schema a PostgreSQL restore replaces (the
// current one) and the SQL to run first, in the same transaction as the
// dump: it makes sure the application role the dump grants to exists, and
// drops and recreates the schema empty. Run on its own before the dump, a
// dump that failed part way would leave an empty schema; in the dump's
// transaction a failure anywhere rolls the drop back too. The lock timeout
// makes a restore give up, unchanged, rather than queue behind a session
// still using the tables.
func (db *DB) RestorePreamble(ctx context.Context) (schema, preamble string, err error) {
	if db.engine != Postgres {
		return "", "", fmt.Errorf("RestorePreamble is a PostgreSQL operation")
	}
	var s *string
	if err := db.write.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&s); err != nil {
		return "", "", err
	}
	if s == nil {
		return "", "", fmt.Errorf("the schema named by the search_path of DATABASE_URL does not exist: create it first")
	}
	q := quoteIdent(*s)
	return *s, strings.Join([]string{
		`SET client_min_messages = warning;`, // not a NOTICE per dropped table
		`SET lock_timeout = '1min';`,
		`DO $$ BEGIN CREATE ROLE hse_app NOLOGIN NOBYPASSRLS; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;`,
		`DROP SCHEMA ` + q + ` CASCADE;`,
		`CREATE SCHEMA ` + q + `;`,
		`SET lock_timeout = 0;`,
	}, "\n") + "\n", nil
}

// SchemaReplaced tells the store that another session replaced the
// schema's tables (a restore): the prepared statements of the old tables
// are dropped.
func (db *DB) SchemaReplaced() {
	db.writeStmts.close()
	db.readStmts.close()
	db.writeStmts, db.readStmts = newStmtCache(db.write), newStmtCache(db.read)
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// ReplaceFrom replaces every table, index and trigger of a SQLite database
// with those of the database file at src, rows included, in one
// transaction on the writer connection.
func (db *DB) ReplaceFrom(ctx context.Context, src string) error {
	if db.engine != SQLite {
		return fmt.Errorf("ReplaceFrom is a SQLite operation")
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// Foreign keys are checked per connection and cannot change inside a
	// transaction: off while tables are swapped, on again after.
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`)
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS src`, src); err != nil {
		return fmt.Errorf("opening the backup copy: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE src`)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	objects := func(schema, where string) ([][2]string, error) {
		rows, err := tx.QueryContext(ctx, `SELECT type, name, COALESCE(sql, '') FROM `+schema+`.sqlite_master WHERE name NOT LIKE 'sqlite_%' `+where+` ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, name`)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out [][2]string
		for rows.Next() {
			var typ, name, sqlText string
			if err := rows.Scan(&typ, &name, &sqlText); err != nil {
				return nil, err
			}
			out = append(out, [2]string{typ + " " + name, sqlText})
		}
		return out, rows.Err()
	}
	old, err := objects("main", "AND type = 'table'")
	if err != nil {
		return err
	}
	for _, o := range old {
		name := strings.SplitN(o[0], " ", 2)[1]
		// IF EXISTS: a virtual table (the search index) takes its shadow
		// tables with it, and they sort after it.
		if _, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS main.`+quoteIdent(name)); err != nil {
			return fmt.Errorf("dropping %s: %w", name, err)
		}
	}
	fresh, err := objects("src", "")
	if err != nil {
		return err
	}
	// A virtual table makes its own shadow tables (name_data, name_idx...)
	// and is filled through its columns, which rebuilds its index; the
	// shadow tables are neither created nor copied.
	var virtual []string
	for _, o := range fresh {
		if strings.HasPrefix(o[1], "CREATE VIRTUAL TABLE") {
			virtual = append(virtual, strings.SplitN(o[0], " ", 2)[1]+"_")
		}
	}
	shadow := func(name string) bool {
		for _, v := range virtual {
			if strings.HasPrefix(name, v) {
				return true
			}
		}
		return false
	}
	for _, o := range fresh {
		typ, name, _ := strings.Cut(o[0], " ")
		if o[1] == "" || (typ == "table" && shadow(name)) {
			continue // automatic indexes have no SQL
		}
		if _, err := tx.ExecContext(ctx, o[1]); err != nil {
			return fmt.Errorf("recreating %s %s: %w", typ, name, err)
		}
		if typ == "table" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO main.`+quoteIdent(name)+` SELECT * FROM src.`+quoteIdent(name)); err != nil {
				return fmt.Errorf("copying %s: %w", name, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	db.writeStmts.close()
	db.readStmts.close()
	db.writeStmts, db.readStmts = newStmtCache(db.write), newStmtCache(db.read)
	return nil
}

// Analyze refreshes the PostgreSQL planner statistics of the current
// schema (after a restore or bulk load); on SQLite it runs ANALYZE too.
func (db *DB) Analyze(ctx context.Context) error {
	_, err := db.write.ExecContext(ctx, `ANALYZE`)
	return err
}
