package sqlstore

import (
	"context"
	"time"

	"github.com/hsedigital/hse/internal/capa"
	"github.com/hsedigital/hse/internal/hse"
)

// overdueBatch bounds one transaction of the overdue job.
const overdueBatch = 500

// AnnounceOverdue emits "action:overdue" for each open action past its due
// day on today, and "action:escalated" for those capa.EscalationDays or
// more past it, once per action and due date (overdue_for and
// escalated_for remember the due date announced). It works across
// organizations, in batches, and reports how many events it emitted.
func (s *CapaStore) AnnounceOverdue(ctx context.Context, today time.Time) (overdue, escalated int, err error) {
	today = day(today)
	for _, k := range []struct {
		typ, column string
		before      time.Time
		count       *int
	}{
		{capa.TypeOverdue, "overdue_for", today, &overdue},
		{capa.TypeEscalated, "escalated_for", today.AddDate(0, 0, -capa.EscalationDays+1), &escalated},
	} {
		for {
			n, err := s.announceBatch(ctx, k.typ, k.column, k.before, today)
			if err != nil {
				return overdue, escalated, err
			}
			*k.count += n
			if n < overdueBatch {
				break
			}
		}
	}
	return overdue, escalated, nil
}

func (s *CapaStore) announceBatch(ctx context.Context, typ, column string, dueBefore, today time.Time) (int, error) {
	n := 0
	err := s.db.InTx(ctx, Scope{Platform: true}, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT organization_id, `+actionColumns+` FROM actions
			WHERE status IN ('Open', 'In Progress') AND due_on < ? AND (`+column+` IS NULL OR `+column+` <> due_on)
			ORDER BY organization_id, id LIMIT ?`, dueBefore, overdueBatch)
		if err != nil {
			return err
		}
		type due struct {
			org string
			a   *capa.Action
		}
		var list []due
		for rows.Next() {
			var org string
			a, err := scanAction(scanPrefix{rows, &org})
			if err != nil {
				rows.Close()
				return err
			}
			list = append(list, due{org, a})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		now := utc(time.Now())
		for _, d := range list {
			if _, err := tx.Exec(ctx, `UPDATE actions SET `+column+` = due_on WHERE organization_id = ? AND id = ?`, d.org, d.a.ID); err != nil {
				return err
			}
			payload := capa.EventPayload(d.a)
			payload["daysOverdue"] = int(today.Sub(d.a.DueOn).Hours() / 24)
			if err := tx.Emit(ctx, hse.NewEvent(nil, d.org, now, typ, "action", d.a.ID, payload)); err != nil {
				return err
			}
		}
		n = len(list)
		return nil
	})
	return n, err
}

// scanPrefix scans leading columns into extra destinations before the
// row's own.
type scanPrefix struct {
	row   interface{ Scan(...any) error }
	first *string
}

func (s scanPrefix) Scan(dest ...any) error {
	return s.row.Scan(append([]any{s.first}, dest...)...)
}
