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

// AppendAudit adds one entry to the append-only audit trail in the
// caller's transaction, so a change and its record commit together.
func (t *Tx) AppendAudit(ctx context.Context, e *hse.AuditEntry) error { return appendAudit(ctx, t, e) }
