package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"syscall"
)

// TryLock takes a named lock shared by every process using this database,
// without waiting: PostgreSQL's session advisory lock (keyed by database,
// schema and name), or an exclusive flock beside the SQLite file. It
// reports false when another process holds it. Call release when done.
func (db *DB) TryLock(ctx context.Context, name string) (release func(), ok bool, err error) {
	if db.engine == SQLite {
		f, err := os.OpenFile(db.path+"."+name+".lock", os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return nil, false, err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			return nil, false, nil
		}
		return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, true, nil
	}
	// Locks hold a connection for as long as the job runs; they get their
	// own small pool, so a job never waits on itself even when
	// DATABASE_POOL_SIZE is 1.
	lockPool, err := db.lockPool()
	if err != nil {
		return nil, false, err
	}
	conn, err := lockPool.Conn(ctx)
	if err != nil {
		return nil, false, err
	}
	key, err := advisoryKey(ctx, conn, name)
	if err != nil {
		conn.Close()
		return nil, false, err
	}
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil || !ok {
		conn.Close()
		return nil, false, err
	}
	return func() {
		conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key)
		conn.Close()
	}, true, nil
}

// advisoryKey is the PostgreSQL advisory-lock key of a named lock in the
// connection's database and schema, so that two schemas of one database
// (two installations, or tests) never share a lock.
func advisoryKey(ctx context.Context, conn *sql.Conn, name string) (int64, error) {
	var dbName, schema string
	if err := conn.QueryRowContext(ctx, `SELECT current_database(), current_schema()`).Scan(&dbName, &schema); err != nil {
		return 0, err
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "hse-lock:%s.%s:%s", dbName, schema, name)
	return int64(h.Sum64() >> 1), nil
}

// Meta reads an instance-wide setting from app_meta ("" when unset).
func (db *DB) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := db.write.QueryRowContext(ctx, db.dialect.rebind(`SELECT value FROM app_meta WHERE key = ?`), key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetMeta stores an instance-wide setting in app_meta.
func (db *DB) SetMeta(ctx context.Context, key, value string) error {
	_, err := db.write.ExecContext(ctx, db.dialect.rebind(`INSERT INTO app_meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`), key, value)
	return err
}

// lockPool opens, on first use, the PostgreSQL pool that session locks use.
func (db *DB) lockPool() (*sql.DB, error) {
	db.locksOnce.Do(func() {
		db.locks, db.locksErr = sql.Open("pgx", db.url)
		if db.locksErr == nil {
			db.locks.SetMaxOpenConns(4)
			db.locks.SetMaxIdleConns(1)
		}
	})
	return db.locks, db.locksErr
}
