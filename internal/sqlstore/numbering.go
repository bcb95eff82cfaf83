package sqlstore

import (
	"context"
	"fmt"

	"github.com/hsedigital/hse/internal/hse"
)

// NextNumber takes the next number of an organization's series ("AUD-2026")
// inside the caller's transaction. Concurrent transactions queue on the
// counter row, and a rollback returns the number, so the series stays
// unique and gap-free.
func (t *Tx) NextNumber(ctx context.Context, orgID, series string) (int64, error) {
	var n int64
	err := t.QueryRow(ctx, `INSERT INTO counters (organization_id, series, value) VALUES (?, ?, 1)
		ON CONFLICT (organization_id, series) DO UPDATE SET value = counters.value + 1
		RETURNING value`, orgID, series).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("numbering %s: %w", series, err)
	}
	return n, nil
}

// seriesAtOnce is how many transactions numbering in one series of one
// organization a replica sends to the database at once: one holding the
// counter row and two ready to take it. Measured with 50 clients
// reporting incidents (docs/performance.md): one at a time leaves nothing
// ready at each handover and lets one organization's queue grow behind a
// slow transaction; more lets the waiters crowd the counter.
const seriesAtOnce = 3

// InSeriesTx is InTx for a transaction that takes the next number of an
// organization's series. Such transactions queue on the counter row in
// the database from NextNumber to their commit, and every commit wakes
// all the waiters to fight for the row again, while each holds one of the
// pool's connections. So on this replica at most seriesAtOnce of them per
// organization and series go to the database, the rest wait here in
// arrival order, and the other connections stay free for other work. The
// counter row still orders them across replicas.
//
// A place is kept until the transaction ends, also when a holder keeps it
// open past fn (it still holds the counter row), and while it is queued or
// running it counts against the reads (see fairness): the counter row is
// a resource only one transaction holds at a time.
//
// A transaction that joins the request's held one (see Holder) skips the
// queue: the held transaction may already hold the counter row, and
// waiting behind the requests that wait for it would never end.
func (db *DB) InSeriesTx(ctx context.Context, sc Scope, series string, fn func(*Tx) error) error {
	if db.joins(ctx) {
		return db.InTx(ctx, sc, fn)
	}
	done := db.fair.queued()
	leave, err := db.series.enter(ctx, sc.OrgID+"\x00"+series)
	if err != nil {
		done()
		return fmt.Errorf("begin transaction: %w", err)
	}
	return db.inTx(ctx, sc, fn, func() { leave(); done() }, true)
}

// AppendAudit adds one entry to the append-only audit trail in the
// caller's transaction, so a change and its record commit together.
func (t *Tx) AppendAudit(ctx context.Context, e *hse.AuditEntry) error { return appendAudit(ctx, t, e) }
