package seed

import (
	"context"
	"strings"

	"github.com/hsedigital/hse/internal/sqlstore"
)

// maxParams bounds the parameters of one statement, well under the limits
// of both engines (SQLite 32766, PostgreSQL 65535).
const maxParams = 16000

// inserter writes rows of one table with multi-row INSERT statements: a
// statement per batch instead of a round trip per row. Full batches share
// one statement text, so the store's prepared-statement cache reuses it.
type inserter struct {
	tx    *sqlstore.Tx
	table string
	cols  int
	head  string
	per   int // rows per statement
	args  []any
	rows  int
	total int
	// after are the inserters of the tables this one references: their
	// queued rows are written first, so foreign keys hold at every batch.
	after []*inserter
}

func newInserter(tx *sqlstore.Tx, table string, cols ...string) *inserter {
	per := min(1000, maxParams/len(cols))
	return &inserter{tx: tx, table: table, cols: len(cols), per: per,
		head: "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ",
		args: make([]any, 0, per*len(cols))}
}

// add queues one row, writing a batch when it is full.
func (in *inserter) add(ctx context.Context, vals ...any) error {
	if len(vals) != in.cols {
		panic("seed: " + in.table + ": wrong number of values")
	}
	in.args = append(in.args, vals...)
	in.rows++
	if in.rows == in.per {
		return in.flush(ctx)
	}
	return nil
}

// flush writes the queued rows.
func (in *inserter) flush(ctx context.Context) error {
	if in.rows == 0 {
		return nil
	}
	for _, p := range in.after {
		if err := p.flush(ctx); err != nil {
			return err
		}
	}
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", in.cols), ", ") + ")"
	var b strings.Builder
	b.Grow(len(in.head) + in.rows*(len(row)+2))
	b.WriteString(in.head)
	for i := range in.rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	if _, err := in.tx.Exec(ctx, b.String(), in.args...); err != nil {
		return err
	}
	in.total += in.rows
	in.rows, in.args = 0, in.args[:0]
	return nil
}
