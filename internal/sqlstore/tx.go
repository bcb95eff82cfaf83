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
	tx    *sql.Tx
	db    *DB
	stmts *stmtCache
}

// stmt returns the cached prepared statement for query, bound to this
// transaction. Parsing SQL is most of the cost of a small query on SQLite,
// so each statement is prepared once per connection and reused.
func (t *Tx) stmt(ctx context.Context, query string) (*sql.Stmt, bool) {
	st := t.stmts.get(ctx, query)
	if st == nil {
		return nil, false
	}
	return t.tx.StmtContext(ctx, st), true
}

// Exec runs a statement.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	q := t.db.dialect.rebind(query)
	if st, ok := t.stmt(ctx, q); ok {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, q, args...)
}

// Query runs a query returning rows.
func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q := t.db.dialect.rebind(query)
	if f := t.db.observer.Load(); f != nil {
		(*f)(q, args)
	}
	if st, ok := t.stmt(ctx, q); ok {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, q, args...)
}

// QueryRow runs a query returning at most one row.
func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	q := t.db.dialect.rebind(query)
	if st, ok := t.stmt(ctx, q); ok {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, q, args...)
}

// Scope says whose rows a transaction may see. On PostgreSQL it sets the
// row-level-security context of the transaction; SQLite relies on the
// organization filter in every statement.
type Scope struct {
	OrgID    string
	UserID   string
	Platform bool // platform-operator operations: every tenant
	ReadOnly bool // use the read pool
}

// InTx runs fn in a transaction, committing when fn returns nil and rolling
// back otherwise (also when fn panics). A database that cannot be reached
// is reported as ErrUnavailable. Under a context from Hold, the first write
// transaction is held open instead of committed, and later ones join it
// (see Holder).
func (db *DB) InTx(ctx context.Context, sc Scope, fn func(*Tx) error) error {
	return db.inTx(ctx, sc, fn, nil, false)
}

// inTx is InTx; release, when not nil, is called once the transaction has
// ended: committed, rolled back, or handed to a holder and ended by it.
// counted says the caller counts it against the reads already (see
// fairness).
func (db *DB) inTx(ctx context.Context, sc Scope, fn func(*Tx) error, release func(), counted bool) error {
	if release == nil {
		release = func() {}
	}
	if !sc.ReadOnly && !counted && db.write != db.read && !db.joins(ctx) {
		// Every write waits for the one writer connection: it counts
		// against the reads until it is done.
		done := db.fair.queued()
		next := release
		release = func() { done(); next() }
	}
	if h := holderOf(ctx, db); h != nil && h.mu.TryLock() {
		// TryLock: a transaction opened inside another's fn (nested) runs
		// on its own, as it would without the holder, instead of waiting
		// for the one it is nested in.
		defer h.mu.Unlock()
		switch {
		case h.tx != nil:
			defer release()
			return unavailable(constraintError(h.join(ctx, sc, fn)))
		case !h.done && !sc.ReadOnly:
			return unavailable(db.run(ctx, db.write, nil, sc, fn, h, release))
		}
	}
	if sc.ReadOnly {
		opts := &sql.TxOptions{ReadOnly: true}
		if db.engine == SQLite {
			// The SQLite driver rejects the read-only option; the read
			// pool is query_only already.
			opts = nil
		}
		// Reads yield to a queue of writes for a serialized resource
		// (see fairness).
		leave, err := db.fair.enterRead(ctx)
		if err != nil {
			release()
			return fmt.Errorf("begin transaction: %w", err)
		}
		return unavailable(db.run(ctx, db.read, opts, sc, fn, nil, func() { leave(); release() }))
	}
	return unavailable(db.run(ctx, db.write, nil, sc, fn, nil, release))
}

// run runs fn in a new transaction of pool and calls release when it has
// ended. With a holder, a transaction whose fn succeeded is handed to it,
// uncommitted, with its place in the gate, and release is called when the
// holder ends it.
func (db *DB) run(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, sc Scope, fn func(*Tx) error, h *Holder,
	release func()) (err error) {
	g := db.gateFor(pool)
	if err := g.enter(ctx); err != nil {
		release()
		return fmt.Errorf("begin transaction: %w", err)
	}
	held := false
	defer func() {
		if !held {
			g.leave()
			release()
		}
	}()
	life := ctx
	if h != nil {
		life = h.ctx
	}
	sqlTx, err := pool.BeginTx(life, opts)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if db.engine == Postgres {
		// One round trip: act as the RLS-bound role and say whose rows
		// this transaction may see. All settings end with the transaction.
		if _, err := sqlTx.ExecContext(ctx, `SELECT set_config('role', 'hse_app', true),
			set_config('hse.org_id', $1, true), set_config('hse.user_id', $2, true),
			set_config('hse.platform', $3, true)`, scopeArgs(sc)...); err != nil {
			_ = sqlTx.Rollback()
			return fmt.Errorf("setting the transaction scope: %w", err)
		}
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
	stmts := db.stmtsFor(pool)
	if err = fn(&Tx{tx: sqlTx, db: db, stmts: stmts}); err != nil {
		return constraintError(err)
	}
	if h != nil {
		h.tx, h.stmts, h.scope, h.leave = sqlTx, stmts, sc, func() { g.leave(); release() }
		held = true
		return nil
	}
	if err = sqlTx.Commit(); err != nil {
		return constraintError(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// scopeArgs are the values of hse.org_id, hse.user_id and hse.platform
// for sc.
func scopeArgs(sc Scope) []any {
	platform := ""
	if sc.Platform {
		platform = "on"
	}
	return []any{sc.OrgID, sc.UserID, platform}
}

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}
