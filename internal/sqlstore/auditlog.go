package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/hsedigital/hse/internal/hse"
)

const auditColumns = `id, organization_id, occurred_at, actor_user_id, actor_email, action, entity_type, entity_id, before, after, ip, user_agent, request_id`

// AppendAudit adds one entry; the table refuses updates and deletes.
func (t identityTx) AppendAudit(ctx context.Context, e *hse.AuditEntry) error {
	return appendAudit(ctx, t.Tx, e)
}

func appendAudit(ctx context.Context, tx *Tx, e *hse.AuditEntry) error {
	var before, after any
	if e.Before != nil {
		b, err := jsonParam(e.Before)
		if err != nil {
			return err
		}
		before = b
	}
	if e.After != nil {
		a, err := jsonParam(e.After)
		if err != nil {
			return err
		}
		after = a
	}
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (`+auditColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, nullString(e.OrgID), utc(e.OccurredAt), nullString(e.ActorUserID), e.ActorEmail, e.Action, e.EntityType,
		e.EntityID, before, after, e.IP, e.UserAgent, e.RequestID)
	return err
}

// FindAuditEntries lists an organization's entries, newest first, after
// the cursor (ids are time-ordered).
func (t identityTx) FindAuditEntries(ctx context.Context, orgID string, f hse.AuditFilter) ([]hse.AuditEntry, error) {
	where := []string{"organization_id = ?"}
	args := []any{orgID}
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.ActorID != "" {
		add("actor_user_id = ?", f.ActorID)
	}
	if f.EntityType != "" {
		add("entity_type = ?", f.EntityType)
	}
	if f.EntityID != "" {
		add("entity_id = ?", f.EntityID)
	}
	if !f.From.IsZero() {
		add("occurred_at >= ?", utc(f.From))
	}
	if !f.To.IsZero() {
		add("occurred_at < ?", utc(f.To))
	}
	if f.Cursor != "" {
		add("id < ?", f.Cursor)
	}
	args = append(args, f.Limit)
	rows, err := t.Query(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []hse.AuditEntry
	for rows.Next() {
		var e hse.AuditEntry
		var org, actor sql.NullString
		var before, after nullJSON
		if err := rows.Scan(&e.ID, &org, &e.OccurredAt, &actor, &e.ActorEmail, &e.Action, &e.EntityType, &e.EntityID,
			&before, &after, &e.IP, &e.UserAgent, &e.RequestID); err != nil {
			return nil, err
		}
		e.OrgID, e.ActorUserID, e.OccurredAt = org.String, actor.String, e.OccurredAt.UTC()
		if err := jsonScan(before.NullString, &e.Before); err != nil {
			return nil, err
		}
		if err := jsonScan(after.NullString, &e.After); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
