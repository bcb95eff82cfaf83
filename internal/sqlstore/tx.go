package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Tx is a transaction whose query methods take "?" placeholders on both
// engines.
type Tx struct {
	tx      *sql.Tx
	dialect dialect
}

// Exec runs a statement.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.dialect.rebind(query), args...)
}

// Query runs a query returning rows.
func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.dialect.rebind(query), args...)
}

// QueryRow runs a query returning at most one row.
func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.dialect.rebind(query), args...)
}

// InTx runs fn in a read-write transaction, committing when fn returns nil
// and rolling back otherwise (also when fn panics).
func (db *DB) InTx(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, db.write, nil, fn)
}

// InReadTx runs fn in a read-only transaction on the read pool.
func (db *DB) InReadTx(ctx context.Context, fn func(*Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.engine == SQLite {
		// The SQLite driver rejects the read-only option; the read pool is
		// query_only already.
		opts = nil
	}
	return db.run(ctx, db.read, opts, fn)
}

func (db *DB) run(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(*Tx) error) (err error) {
	sqlTx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			err = errors.Join(err, ignoreDone(sqlTx.Rollback()))
		}
	}()
	if err = fn(&Tx{tx: sqlTx, dialect: db.dialect}); err != nil {
		return err
	}
	if err = sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}
