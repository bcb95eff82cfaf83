package sqlstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// A numbered write counts against the reads from the moment it queues
// until its transaction ends: committed, failed, or held past fn and
// ended by the holder (it still holds the counter row). Nothing is left
// counted afterwards, or reads would stay throttled for good.
func TestNumberedWritesCountAgainstReadsUntilTheyEnd(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		db := hsetest.MigratedDB(t, engine)
		tn := seedTenant(t, db, "Fair")
		bg := context.Background()
		sc := sqlstore.Scope{OrgID: tn.orgID}
		_, all := db.FairState()
		state := func(wantBacklog int, when string) {
			t.Helper()
			backlog, places := db.FairState()
			if backlog != wantBacklog || places != max(1, all-wantBacklog) {
				t.Fatalf("%s: %d writes counted, %d read places; want %d and %d", when, backlog, places, wantBacklog, max(1, all-wantBacklog))
			}
		}
		state(0, "at rest")

		// Running, then committed.
		inside, release := make(chan struct{}), make(chan struct{})
		errc := make(chan error, 1)
		go func() {
			errc <- db.InSeriesTx(bg, sc, "F", func(tx *sqlstore.Tx) error {
				if _, err := tx.NextNumber(bg, tn.orgID, "F"); err != nil {
					return err
				}
				close(inside)
				<-release
				return nil
			})
		}()
		<-inside
		state(1, "while a numbered write runs")
		close(release)
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		state(0, "after its commit")

		// Failed.
		refused := errors.New("refused")
		if err := db.InSeriesTx(bg, sc, "F", func(*sqlstore.Tx) error { return refused }); !errors.Is(err, refused) {
			t.Fatalf("a failing write: %v", err)
		}
		state(0, "after a failed write")

		// Held past fn: counted until the holder ends it, either way.
		for _, end := range []string{"commit", "rollback"} {
			ctx, h := db.Hold(bg)
			if err := db.InSeriesTx(ctx, sc, "F", func(tx *sqlstore.Tx) error {
				_, err := tx.NextNumber(ctx, tn.orgID, "F")
				return err
			}); err != nil {
				t.Fatal(err)
			}
			state(1, "while a numbered write is held")
			if end == "commit" {
				if err := h.Commit(bg, sc, func(*sqlstore.Tx) error { return nil }); err != nil {
					t.Fatal(err)
				}
			} else if err := h.Rollback(); err != nil {
				t.Fatal(err)
			}
			state(0, "after the holder's "+end)
		}

		// Given up while queued behind a held write.
		ctx, h := db.Hold(bg)
		if err := next(ctx, db, tn.orgID, "F"); err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(bg, 200*time.Millisecond)
		defer cancel()
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				_ = db.InSeriesTx(wctx, sc, "F", func(tx *sqlstore.Tx) error {
					_, err := tx.NextNumber(wctx, tn.orgID, "F")
					return err
				})
			})
		}
		wg.Wait()
		if err := h.Rollback(); err != nil {
			t.Fatal(err)
		}
		state(0, "after writes gave up waiting")
		if v := counterValue(t, bg, db, tn.orgID, "F"); v != 2 {
			t.Fatalf("counter %d, want 2 (two numbers committed)", v)
		}
	})
}

// However many writes queue, a read still runs: one opened inside a write
// transaction while writes queue behind it finishes instead of waiting
// for them (which would never end).
func TestReadInsideAWriteWhileWritesQueue(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		db := hsetest.MigratedDB(t, engine)
		tn := seedTenant(t, db, "Nested")
		bg := context.Background()
		sc := sqlstore.Scope{OrgID: tn.orgID}
		_, all := db.FairState()
		numbered := func(ctx context.Context, inside func() error) error {
			return db.InSeriesTx(ctx, sc, "N", func(tx *sqlstore.Tx) error {
				if _, err := tx.NextNumber(ctx, tn.orgID, "N"); err != nil {
					return err
				}
				return inside()
			})
		}
		started, release := make(chan struct{}), make(chan struct{})
		errc := make(chan error, 1)
		go func() {
			errc <- numbered(bg, func() error {
				close(started)
				<-release
				// Every read place but the last is taken by the queue.
				ctx, cancel := context.WithTimeout(bg, 5*time.Second)
				defer cancel()
				return db.InTx(ctx, sqlstore.Scope{OrgID: tn.orgID, ReadOnly: true}, func(tx *sqlstore.Tx) error {
					var n int
					return tx.QueryRow(ctx, `SELECT COUNT(*) FROM counters WHERE organization_id = ?`, tn.orgID).Scan(&n)
				})
			})
		}()
		<-started
		var wg sync.WaitGroup
		queued := all + 5
		for range queued - 1 {
			wg.Go(func() {
				if err := numbered(bg, func() error { return nil }); err != nil {
					t.Error(err)
				}
			})
		}
		waitFor(t, "the writes to queue", func() bool { backlog, _ := db.FairState(); return backlog == queued })
		if _, places := db.FairState(); places != 1 {
			t.Fatalf("%d read places with %d writes queued, want 1", places, queued)
		}
		close(release)
		if err := <-errc; err != nil {
			t.Fatalf("the read inside the write: %v", err)
		}
		wg.Wait()
		if v := counterValue(t, bg, db, tn.orgID, "N"); v != int64(queued) {
			t.Fatalf("counter %d, want %d", v, queued)
		}
	})
}
