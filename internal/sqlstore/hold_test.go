package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// counterValue reads a series' counter in a transaction under ctx: a
// transaction of its own, or one joined to a held transaction.
func counterValue(t *testing.T, ctx context.Context, db *sqlstore.DB, orgID, series string) int64 {
	t.Helper()
	var v int64
	err := db.InTx(ctx, sqlstore.Scope{OrgID: orgID, ReadOnly: true}, func(tx *sqlstore.Tx) error {
		err := tx.QueryRow(ctx, `SELECT value FROM counters WHERE organization_id = ? AND series = ?`, orgID, series).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// next takes the next number of series in a transaction under ctx.
func next(ctx context.Context, db *sqlstore.DB, orgID, series string) error {
	return db.InTx(ctx, sqlstore.Scope{OrgID: orgID}, func(tx *sqlstore.Tx) error {
		_, err := tx.NextNumber(ctx, orgID, series)
		return err
	})
}

// The first write transaction under a held context stays uncommitted;
// later transactions join it, see its writes, and one that fails or
// panics is undone alone; Commit commits them all at once, and afterwards
// transactions commit on their own again.
func TestHeldTransactionCommitsWhatJoinedIt(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		db := hsetest.MigratedDB(t, engine)
		tn := seedTenant(t, db, "Held")
		bg := context.Background()
		ctx, h := db.Hold(bg)
		defer h.Rollback() // a failed test must not leave the transaction open
		if h.Held() {
			t.Fatal("held before any write")
		}
		// A read before any write is not held.
		if v := counterValue(t, ctx, db, tn.orgID, "H"); v != 0 || h.Held() {
			t.Fatalf("a read was held, or saw %d", v)
		}
		if err := next(ctx, db, tn.orgID, "H"); err != nil {
			t.Fatal(err)
		}
		if !h.Held() {
			t.Fatal("the first write was not held")
		}
		if v := counterValue(t, bg, db, tn.orgID, "H"); v != 0 {
			t.Fatalf("another transaction sees the held write: %d", v)
		}
		if v := counterValue(t, ctx, db, tn.orgID, "H"); v != 1 {
			t.Fatalf("a read under the held context sees %d, want its own write 1", v)
		}

		refused := errors.New("refused")
		err := db.InTx(ctx, sqlstore.Scope{OrgID: tn.orgID}, func(tx *sqlstore.Tx) error {
			if _, err := tx.NextNumber(ctx, tn.orgID, "H"); err != nil {
				return err
			}
			// On PostgreSQL a failed statement aborts the transaction
			// unless its savepoint is rolled back.
			_, _ = tx.Exec(ctx, `SELECT no_such_column FROM counters`)
			return refused
		})
		if !errors.Is(err, refused) {
			t.Fatalf("a failing joined transaction returned %v", err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Error("the joined panic was swallowed")
				}
			}()
			_ = db.InTx(ctx, sqlstore.Scope{OrgID: tn.orgID}, func(tx *sqlstore.Tx) error {
				if _, err := tx.NextNumber(ctx, tn.orgID, "H"); err != nil {
					return err
				}
				panic("joined step failed")
			})
		}()
		if v := counterValue(t, ctx, db, tn.orgID, "H"); v != 1 {
			t.Fatalf("after a failed and a panicking step the held transaction sees %d, want 1", v)
		}
		if err := next(ctx, db, tn.orgID, "H"); err != nil {
			t.Fatalf("the held transaction is unusable after a failed step: %v", err)
		}

		var inCommit int64
		err = h.Commit(bg, sqlstore.Scope{OrgID: tn.orgID}, func(tx *sqlstore.Tx) error {
			var err error
			inCommit, err = tx.NextNumber(bg, tn.orgID, "H")
			return err
		})
		if err != nil || inCommit != 3 {
			t.Fatalf("commit: %v, number %d taken in it, want 3", err, inCommit)
		}
		if h.Held() {
			t.Fatal("still held after the commit")
		}
		if v := counterValue(t, bg, db, tn.orgID, "H"); v != 3 {
			t.Fatalf("committed %d, want 3", v)
		}
		// The holder is done: a later write commits by itself.
		if err := next(ctx, db, tn.orgID, "H"); err != nil {
			t.Fatal(err)
		}
		if v := counterValue(t, bg, db, tn.orgID, "H"); v != 4 || h.Held() {
			t.Fatalf("a write after the commit: %d, held %v", v, h.Held())
		}
	})
}

// A failed completion, or a rollback, leaves nothing of what was held.
func TestHeldTransactionRollsBack(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		db := hsetest.MigratedDB(t, engine)
		tn := seedTenant(t, db, "Rollback")
		bg := context.Background()
		lost := errors.New("claim lost")

		ctx, h := db.Hold(bg)
		if err := next(ctx, db, tn.orgID, "R"); err != nil {
			t.Fatal(err)
		}
		err := h.Commit(bg, sqlstore.Scope{OrgID: tn.orgID}, func(tx *sqlstore.Tx) error { return lost })
		if !errors.Is(err, lost) {
			t.Fatalf("commit returned %v, want the completion's error", err)
		}
		if v := counterValue(t, bg, db, tn.orgID, "R"); v != 0 {
			t.Fatalf("a failed completion committed %d", v)
		}

		ctx, h = db.Hold(bg)
		defer h.Rollback()
		if err := next(ctx, db, tn.orgID, "R"); err != nil {
			t.Fatal(err)
		}
		if err := h.Rollback(); err != nil {
			t.Fatal(err)
		}
		if v := counterValue(t, bg, db, tn.orgID, "R"); v != 0 {
			t.Fatalf("a rolled-back hold committed %d", v)
		}
		// Nothing held: Commit says so and the writer is free (SQLite has
		// one; a place left taken would block this write forever).
		_, h = db.Hold(bg)
		if err := h.Commit(bg, sqlstore.Scope{OrgID: tn.orgID}, func(*sqlstore.Tx) error { return nil }); !errors.Is(err, sqlstore.ErrNothingHeld) {
			t.Fatalf("commit without a held transaction: %v", err)
		}
		wctx, cancel := context.WithTimeout(bg, 10*time.Second)
		defer cancel()
		if err := next(wctx, db, tn.orgID, "R"); err != nil {
			t.Fatalf("the writer was not given back: %v", err)
		}
	})
}

// A request may write into another organization than its own (accepting
// an invitation): a joined transaction with another scope gets its
// row-level-security settings, and the held scope comes back after it,
// also when it fails.
func TestJoinedTransactionTakesItsScope(t *testing.T) {
	db := rlsDB(t)
	a, b := seedTenant(t, db, "ScopeA"), seedTenant(t, db, "ScopeB")
	bg := context.Background()
	ctx, h := db.Hold(bg)
	defer h.Rollback()
	if err := next(ctx, db, a.orgID, "S"); err != nil {
		t.Fatal(err)
	}
	orgSetting := func(ctx context.Context, sc sqlstore.Scope) (org string, visible int) {
		t.Helper()
		err := db.InTx(ctx, sc, func(tx *sqlstore.Tx) error {
			// Unfiltered on purpose: row-level security alone decides.
			if err := tx.QueryRow(ctx, `SELECT current_setting('hse.org_id')`).Scan(&org); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM counters`).Scan(&visible)
		})
		if err != nil {
			t.Fatal(err)
		}
		return org, visible
	}
	if org, n := orgSetting(ctx, sqlstore.Scope{OrgID: b.orgID}); org != b.orgID || n != 0 {
		t.Fatalf("joined under B: setting %q, %d counters visible; want B's and none of A's", org, n)
	}
	if err := next(ctx, db, b.orgID, "S"); err != nil {
		t.Fatalf("writing B's row from a transaction held for A: %v", err)
	}
	_ = db.InTx(ctx, sqlstore.Scope{OrgID: b.orgID}, func(tx *sqlstore.Tx) error { return errors.New("refused") })
	if org, n := orgSetting(ctx, sqlstore.Scope{OrgID: a.orgID}); org != a.orgID || n != 1 {
		t.Fatalf("back under A: setting %q, %d counters visible; want A's own one", org, n)
	}
	if err := h.Commit(bg, sqlstore.Scope{OrgID: a.orgID}, func(*sqlstore.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if counterValue(t, bg, db, a.orgID, "S") != 1 || counterValue(t, bg, db, b.orgID, "S") != 1 {
		t.Fatal("the writes of both scopes were not committed")
	}
}

// A held transaction that took a number keeps the counter row until the
// request ends, while other requests queue for the series behind it. A
// second numbered write of the same request must not queue behind them.
func TestJoinedSeriesTransactionSkipsTheQueue(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		db := hsetest.MigratedDB(t, engine)
		tn := seedTenant(t, db, "Series")
		bg := context.Background()
		sc := sqlstore.Scope{OrgID: tn.orgID}
		numbered := func(ctx context.Context) error {
			return db.InSeriesTx(ctx, sc, "Q", func(tx *sqlstore.Tx) error {
				_, err := tx.NextNumber(ctx, tn.orgID, "Q")
				return err
			})
		}
		ctx, h := db.Hold(bg)
		defer h.Rollback() // lets the others through when the test fails
		if err := numbered(ctx); err != nil {
			t.Fatal(err)
		}
		// Others fill the series' places and wait for the held
		// transaction (for the counter row, or SQLite's writer).
		var wg sync.WaitGroup
		errs := make(chan error, 5)
		for range 5 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- numbered(bg)
			}()
		}
		time.Sleep(300 * time.Millisecond)
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := numbered(wctx); err != nil {
			t.Fatalf("a second numbered write of the held request: %v", err)
		}
		if err := h.Commit(bg, sc, func(*sqlstore.Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if v := counterValue(t, bg, db, tn.orgID, "Q"); v != 7 {
			t.Fatalf("counter %d, want 7", v)
		}
	})
}

// A step of the request may run under a context that ends with the step;
// the held transaction lives as long as the context given to Hold. When
// that one ends (the client went away), the transaction is rolled back,
// the commit fails and the writer is free again.
func TestHeldTransactionLivesWithTheRequest(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		db := hsetest.MigratedDB(t, engine)
		tn := seedTenant(t, db, "Life")
		bg := context.Background()
		sc := sqlstore.Scope{OrgID: tn.orgID}

		ctx, h := db.Hold(bg)
		defer h.Rollback()
		step, endStep := context.WithCancel(ctx)
		if err := next(step, db, tn.orgID, "L"); err != nil {
			t.Fatal(err)
		}
		endStep()
		time.Sleep(50 * time.Millisecond) // database/sql reacts to an ended context asynchronously
		if err := h.Commit(bg, sc, func(*sqlstore.Tx) error { return nil }); err != nil {
			t.Fatalf("the held transaction died with the step that opened it: %v", err)
		}
		if v := counterValue(t, bg, db, tn.orgID, "L"); v != 1 {
			t.Fatalf("committed %d, want 1", v)
		}

		request, clientGone := context.WithCancel(bg)
		ctx, h = db.Hold(request)
		defer h.Rollback()
		if err := next(ctx, db, tn.orgID, "L"); err != nil {
			t.Fatal(err)
		}
		clientGone()
		time.Sleep(50 * time.Millisecond)
		if err := h.Commit(bg, sc, func(*sqlstore.Tx) error { return nil }); err == nil {
			t.Fatal("committed after the request ended")
		}
		wctx, cancel := context.WithTimeout(bg, 10*time.Second)
		defer cancel()
		if err := next(wctx, db, tn.orgID, "L"); err != nil {
			t.Fatalf("the writer was not given back: %v", err)
		}
		if v := counterValue(t, bg, db, tn.orgID, "L"); v != 2 {
			t.Fatalf("counter %d, want 2: the abandoned request's number was given back", v)
		}
	})
}
