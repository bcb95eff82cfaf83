// Package sqlstore is the only package that writes SQL. It opens SQLite or
// PostgreSQL behind one DB type, runs the embedded migrations and, in later
// files, implements the store interfaces that the services consume.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// Engines, as named in the configuration.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Options says which database to open and how large its pool is.
type Options struct {
	Engine   string // SQLite or Postgres
	URL      string // postgres:// URL, for Postgres
	Path     string // database file, for SQLite
	PoolSize int    // maximum open connections (readers, for SQLite)
}

// DB is an open database of either engine.
//
// SQLite allows one writer at a time, so writes go through a pool of exactly
// one connection (transactions start IMMEDIATE, so they queue instead of
// failing to upgrade a read lock) while reads use a separate pool. On
// PostgreSQL both are the same pool.
type DB struct {
	engine  string
	dialect dialect
	write   *sql.DB
	read    *sql.DB
	path    string // SQLite file, for the migration lock
	url     string // PostgreSQL URL, for backups

	writeStmts, readStmts *stmtCache
	// writeGate and readGate queue transactions for their pools, first
	// come first served (the same gate when the pools are the same).
	writeGate, readGate *gate
	// series queues the transactions that number within one series.
	series queue
	// fair shrinks the reads' places while writes queue for a resource
	// one transaction holds at a time (see fairness).
	fair *fairness

	// observer, when set, sees every query run with Tx.Query (the list
	// queries): the query-plan test collects them to explain them.
	observer atomic.Pointer[func(query string, args []any)]

	// locks is a separate pool for session locks held by jobs (PostgreSQL).
	locksOnce sync.Once
	locks     *sql.DB
	locksErr  error
}

// stmtsFor returns the statement cache of a pool.
func (db *DB) stmtsFor(pool *sql.DB) *stmtCache {
	if pool == db.read {
		return db.readStmts
	}
	return db.writeStmts
}

// gateFor returns the admission gate of a pool.
func (db *DB) gateFor(pool *sql.DB) *gate {
	if pool == db.read {
		return db.readGate
	}
	return db.writeGate
}

// initStmtCaches builds one statement cache and one admission gate per
// distinct pool.
func (db *DB) initStmtCaches() *DB {
	db.series.size = seriesAtOnce
	db.writeGate = newGate(db.write.Stats().MaxOpenConnections)
	db.readGate = db.writeGate
	if db.read != db.write {
		db.readGate = newGate(db.read.Stats().MaxOpenConnections)
	}
	db.fair = newFairness(db.read.Stats().MaxOpenConnections)
	db.writeStmts = newStmtCache(db.write)
	db.readStmts = db.writeStmts
	if db.read != db.write {
		db.readStmts = newStmtCache(db.read)
	}
	return db
}

// Open opens and pings the database. It does not migrate.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.PoolSize < 1 {
		o.PoolSize = 10
	}
	var db *DB
	var err error
	switch o.Engine {
	case SQLite:
		db, err = openSQLite(o)
	case Postgres:
		db, err = openPostgres(o)
	default:
		return nil, fmt.Errorf("sqlstore: unknown engine %q", o.Engine)
	}
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.Ping(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to %s: %w", o.Engine, err)
	}
	return db, nil
}

func openSQLite(o Options) (*DB, error) {
	if dir := filepath.Dir(o.Path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("creating the database directory: %w", err)
		}
	}
	// Pragmas are applied by the driver on every new connection.
	params := url.Values{}
	params.Add("_pragma", "journal_mode(WAL)")
	params.Add("_pragma", "foreign_keys(1)")
	params.Add("_pragma", "busy_timeout(10000)")
	params.Add("_pragma", "synchronous(NORMAL)")
	params.Set("_time_format", "sqlite")
	base := "file:" + o.Path + "?"

	wparams := cloneValues(params)
	wparams.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite", base+wparams.Encode())
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)

	rparams := cloneValues(params)
	rparams.Add("_pragma", "query_only(1)")
	r, err := sql.Open("sqlite", base+rparams.Encode())
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(o.PoolSize)
	r.SetMaxIdleConns(o.PoolSize)
	return (&DB{engine: SQLite, dialect: sqliteDialect{}, write: w, read: r, path: o.Path}).initStmtCaches(), nil
}

func openPostgres(o Options) (*DB, error) {
	p, err := sql.Open("pgx", o.URL)
	if err != nil {
		return nil, fmt.Errorf("opening postgres: %w", err)
	}
	p.SetMaxOpenConns(o.PoolSize)
	p.SetMaxIdleConns(o.PoolSize)
	p.SetConnMaxIdleTime(5 * time.Minute)
	p.SetConnMaxLifetime(30 * time.Minute)
	return (&DB{engine: Postgres, dialect: postgresDialect{}, write: p, read: p, url: o.URL}).initStmtCaches(), nil
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// URL is the PostgreSQL connection URL ("" for SQLite).
func (db *DB) URL() string { return db.url }

// Engine names the engine: SQLite or Postgres.
func (db *DB) Engine() string { return db.engine }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return err
	}
	if db.read != db.write {
		return db.read.PingContext(ctx)
	}
	return nil
}

// Pools returns the connection pools by name, for the metrics collectors.
func (db *DB) Pools() map[string]*sql.DB {
	if db.read == db.write {
		return map[string]*sql.DB{"primary": db.write}
	}
	return map[string]*sql.DB{"primary": db.write, "reader": db.read}
}

// SetPoolSize changes the maximum number of open connections at run time.
// The SQLite writer stays at one connection whatever the size.
func (db *DB) SetPoolSize(n int) {
	db.read.SetMaxOpenConns(n)
	db.read.SetMaxIdleConns(n)
	db.readGate.resize(n)
	db.fair.resize(n)
}

// Close closes every pool.
func (db *DB) Close() error {
	db.writeStmts.close()
	db.readStmts.close()
	err := db.write.Close()
	if db.locks != nil {
		err = errors.Join(err, db.locks.Close())
	}
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// ObserveQueries makes f see every query run through Tx.Query (after
// placeholders are rebound) with its arguments; nil stops it. For tests
// that check the plans of the queries the API really runs.
func (db *DB) ObserveQueries(f func(query string, args []any)) {
	if f == nil {
		db.observer.Store(nil)
		return
	}
	db.observer.Store(&f)
}

// Explain returns the engine's plan of query (rebound already) with args,
// one line per node: SQLite's EXPLAIN QUERY PLAN, indented by depth, or
// PostgreSQL's EXPLAIN. On PostgreSQL sequential scans and sorts are
// priced out first, so that a plan still holding one has no index to use
// instead, whatever the size of the test's tables.
func (db *DB) Explain(ctx context.Context, sc Scope, query string, args ...any) ([]string, error) {
	var out []string
	err := db.InTx(ctx, sc, func(tx *Tx) error {
		if db.engine == Postgres {
			for _, set := range []string{"SET LOCAL enable_seqscan = off", "SET LOCAL enable_sort = off"} {
				if _, err := tx.tx.ExecContext(ctx, set); err != nil {
					return err
				}
			}
			rows, err := tx.tx.QueryContext(ctx, "EXPLAIN "+query, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					return err
				}
				out = append(out, line)
			}
			return rows.Err()
		}
		rows, err := tx.tx.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		depth := map[int]int{0: -1}
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				return err
			}
			depth[id] = depth[parent] + 1
			out = append(out, strings.Repeat("  ", depth[id])+detail)
		}
		return rows.Err()
	})
	return out, err
}
