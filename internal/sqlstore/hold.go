package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync"
)

// ErrNothingHeld is Holder.Commit's answer when no write transaction was
// held: the request wrote nothing through the store.
var ErrNothingHeld = errors.New("sqlstore: no transaction is held")

// holdKey is the context key of a request's Holder.
type holdKey struct{}

// Holder keeps the first write transaction run under its context open
// instead of committing it, so that what a request wrote and the record
// of its response (an idempotency key's completion) commit together or
// not at all: a crash between the two can no longer leave a committed
// change whose key says it never finished.
//
// Later transactions under the same context join the held one, each in a
// savepoint. They see what it wrote (on SQLite a new transaction would
// read from the read pool, which does not), they do not wait for the
// writer or the gate place it already has (SQLite's single writer would
// deadlock), and one that fails is undone alone: PostgreSQL refuses every
// statement of a transaction after an error unless the savepoint is
// rolled back.
//
// A held transaction keeps its connection and its place in the gate until
// Commit or Rollback, which the holder's creator must call on every path.
// It is begun with the context given to Hold, not with the one of the
// step that opened it (which may end with that step), so database/sql
// rolls it back only when the request itself ends (the client went away);
// Commit then fails and nothing is kept.
type Holder struct {
	db  *DB
	ctx context.Context // the transaction's life
	// mu is held by whoever uses the transaction: a transaction of the
	// request, Commit or Rollback.
	mu    sync.Mutex
	tx    *sql.Tx
	stmts *stmtCache
	scope Scope  // whose rows the transaction's settings name
	leave func() // gives the transaction's place in the gate back
	done  bool   // committed or rolled back: transactions run on their own
	saves int    // savepoints taken, for their names
}

// Hold returns a context under which the first successful write
// transaction is held open rather than committed, and the Holder that
// commits or rolls it back. Work that outlives the request must not use
// this context; once the holder is done, transactions under it run on
// their own again.
func (db *DB) Hold(ctx context.Context) (context.Context, *Holder) {
	h := &Holder{db: db, ctx: ctx}
	return context.WithValue(ctx, holdKey{}, h), h
}

// holderOf returns ctx's holder when it belongs to db.
func holderOf(ctx context.Context, db *DB) *Holder {
	h, _ := ctx.Value(holdKey{}).(*Holder)
	if h == nil || h.db != db {
		return nil
	}
	return h
}

// joins reports whether a transaction under ctx would join a held one.
func (db *DB) joins(ctx context.Context) bool {
	h := holderOf(ctx, db)
	if h == nil || !h.mu.TryLock() {
		return false
	}
	defer h.mu.Unlock()
	return h.tx != nil
}

// Held reports whether a write transaction is being held.
func (h *Holder) Held() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.tx != nil
}

// Commit runs fn in the held transaction, scoped as sc, and commits it.
// When fn fails or panics the transaction is rolled back instead and fn's
// error returned. Without a held transaction it returns ErrNothingHeld.
// Either way the holder is done.
func (h *Holder) Commit(ctx context.Context, sc Scope, fn func(*Tx) error) (err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.tx == nil {
		h.done = true
		return ErrNothingHeld
	}
	ended := false
	defer func() {
		if !ended {
			_ = h.tx.Rollback()
		}
		h.end()
	}()
	if err := h.last(ctx, sc, fn); err != nil {
		return err
	}
	ended = true // by the commit, whether it succeeds or not
	if err := h.tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Rollback rolls the held transaction back, if there is one; the holder
// is done.
func (h *Holder) Rollback() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.tx == nil {
		h.done = true
		return nil
	}
	defer h.end()
	return ignoreDone(h.tx.Rollback())
}

func (h *Holder) end() {
	h.tx, h.done = nil, true
	h.leave()
}

// last runs fn as the held transaction's last step before its commit.
// It needs no savepoint: when fn fails the whole transaction is rolled
// back. That saves two round trips in the part of a numbered write that
// holds the counter row, from taking the number to the commit (ADR 15),
// and, on SQLite, the single writer. The scope is set for fn when it
// differs and not restored, since nothing runs after it.
func (h *Holder) last(ctx context.Context, sc Scope, fn func(*Tx) error) error {
	if h.db.engine == Postgres && !sameScope(sc, h.scope) {
		if err := h.setScope(ctx, sc); err != nil {
			return err
		}
	}
	return fn(&Tx{tx: h.tx, db: h.db, stmts: h.stmts})
}

// join runs fn inside a savepoint of the held transaction. On PostgreSQL
// a different scope is set for fn and the held one restored after it,
// since row-level security reads the settings at every statement;
// rolling back to the savepoint restores them too.
func (h *Holder) join(ctx context.Context, sc Scope, fn func(*Tx) error) (err error) {
	h.saves++
	sp := "hse_joined_" + strconv.Itoa(h.saves)
	if _, err := h.tx.ExecContext(ctx, "SAVEPOINT "+sp); err != nil {
		return fmt.Errorf("joining the held transaction: %w", err)
	}
	// The undo must run even when ctx has ended.
	undo := func() error {
		uctx := context.WithoutCancel(ctx)
		_, err := h.tx.ExecContext(uctx, "ROLLBACK TO SAVEPOINT "+sp)
		if err == nil {
			_, err = h.tx.ExecContext(uctx, "RELEASE SAVEPOINT "+sp)
		}
		return ignoreDone(err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = undo()
			panic(p)
		}
		if err != nil {
			if uerr := undo(); uerr != nil {
				err = errors.Join(err, fmt.Errorf("rolling back to the savepoint: %w", uerr))
			}
		}
	}()
	rescope := h.db.engine == Postgres && !sameScope(sc, h.scope)
	if rescope {
		if err := h.setScope(ctx, sc); err != nil {
			return err
		}
	}
	if err := fn(&Tx{tx: h.tx, db: h.db, stmts: h.stmts}); err != nil {
		return err
	}
	if rescope {
		if err := h.setScope(ctx, h.scope); err != nil {
			return err
		}
	}
	if _, err := h.tx.ExecContext(ctx, "RELEASE SAVEPOINT "+sp); err != nil {
		return fmt.Errorf("releasing the savepoint: %w", err)
	}
	return nil
}

// setScope changes whose rows the held transaction's statements see; the
// role stays the one set at its start.
func (h *Holder) setScope(ctx context.Context, sc Scope) error {
	if _, err := h.tx.ExecContext(ctx, `SELECT set_config('hse.org_id', $1, true), set_config('hse.user_id', $2, true),
		set_config('hse.platform', $3, true)`, scopeArgs(sc)...); err != nil {
		return fmt.Errorf("setting the transaction scope: %w", err)
	}
	return nil
}

// sameScope compares what two scopes let a transaction see; ReadOnly only
// chooses a pool.
func sameScope(a, b Scope) bool {
	return a.OrgID == b.OrgID && a.UserID == b.UserID && a.Platform == b.Platform
}
