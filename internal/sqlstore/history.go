package sqlstore

import (
	"context"
	"database/sql"

	"github.com/hsedigital/hse/internal/hse"
)

// A record's history lives in a table of its own (action_events,
// incident_events, permit_events), all of one shape; recordColumn names
// the record's id column. Both are constants of this package, never input.

func appendHistory(ctx context.Context, tx *Tx, table, recordColumn, orgID string, e *hse.HistoryEntry) error {
	_, err := tx.Exec(ctx, `INSERT INTO `+table+` (organization_id, id, `+recordColumn+`, at, actor_user_id, kind, from_status, to_status, note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, orgID, e.ID, e.RecordID, utc(e.At), nullString(e.ActorUserID), e.Kind, e.FromStatus, e.ToStatus, e.Note)
	return err
}

func findHistory(ctx context.Context, tx *Tx, table, recordColumn, orgID, recordID string) ([]hse.HistoryEntry, error) {
	rows, err := tx.Query(ctx, `SELECT id, at, actor_user_id, kind, from_status, to_status, note FROM `+table+`
		WHERE organization_id = ? AND `+recordColumn+` = ? ORDER BY at, id`, orgID, recordID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []hse.HistoryEntry{}
	for rows.Next() {
		e := hse.HistoryEntry{RecordID: recordID}
		var actor sql.NullString
		if err := rows.Scan(&e.ID, &e.At, &actor, &e.Kind, &e.FromStatus, &e.ToStatus, &e.Note); err != nil {
			return nil, err
		}
		e.ActorUserID, e.At = actor.String, e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
