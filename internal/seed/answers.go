package seed

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/hsedigital/hse/internal/checklist"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// SaveAnswers stores an In Progress audit's answers at once, as the
// auditor would have saved them item by item; benchmarks use it to
// prepare audits that are ready to complete.
func SaveAnswers(ctx context.Context, db *sqlstore.DB, orgID, auditID, userID string, as checklist.Answers, at time.Time) error {
	keys := make([]string, 0, len(as))
	for k := range as {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	at = at.UTC().Truncate(time.Microsecond)
	return db.InTx(ctx, sqlstore.Scope{OrgID: orgID, UserID: userID}, func(tx *sqlstore.Tx) error {
		in := newInserter(tx, "audit_answers", "organization_id", "audit_id", "item_key", "value", "note", "attachment_ids",
			"severity", "answered_by", "answered_at")
		for _, k := range keys {
			a := as[k]
			var value, severity any
			if len(a.Value) > 0 {
				value = string(a.Value)
			}
			if a.Severity != "" {
				severity = a.Severity
			}
			att := a.AttachmentIDs
			if att == nil {
				att = []string{}
			}
			b, err := json.Marshal(att)
			if err != nil {
				return err
			}
			if err := in.add(ctx, orgID, auditID, k, value, a.Note, string(b), severity, userID, at); err != nil {
				return err
			}
		}
		return in.flush(ctx)
	})
}
