package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/notify"
)

// Emit writes a domain event to the outbox in the caller's transaction, so
// the event commits (or rolls back) with the change it describes.
func (t *Tx) Emit(ctx context.Context, e *hse.Event) error {
	if e.OrgID == "" || e.Type == "" {
		return fmt.Errorf("event without organization or type: %+v", e)
	}
	var payload any
	if e.Payload != nil {
		p, err := jsonParam(e.Payload)
		if err != nil {
			return err
		}
		payload = p
	}
	_, err := t.Exec(ctx, `INSERT INTO outbox_events (organization_id, id, type, entity_type, entity_id, actor_user_id, occurred_at, payload)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		e.OrgID, e.ID, e.Type, e.EntityType, e.EntityID, nullString(e.ActorUserID), utc(e.OccurredAt), payload)
	return err
}

// Outbox reads and settles the outbox for the relay. It works across
// organizations (platform scope): delivery is the system's own work.
type Outbox struct{ db *DB }

// Outbox returns the outbox store.
func (db *DB) Outbox() *Outbox { return &Outbox{db: db} }

// PendingEvent is an undelivered event with its delivery attempts so far.
type PendingEvent struct {
	hse.Event
	Attempts int
}

// Pending returns up to limit undelivered events, oldest first.
func (o *Outbox) Pending(ctx context.Context, limit int) ([]PendingEvent, error) {
	var out []PendingEvent
	err := o.db.InTx(ctx, Scope{Platform: true}, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT organization_id, id, type, entity_type, entity_id, actor_user_id, occurred_at, payload, attempts
			FROM outbox_events WHERE dispatched_at IS NULL ORDER BY id LIMIT ?`, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e PendingEvent
			if err := scanEvent(rows, &e.Event, &e.Attempts); err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

// Settle records the outcome of one delivery: dispatched at `at` when
// failure is "", otherwise one more failed attempt (given up on, and
// marked dispatched, once attempts reach maxAttempts).
func (o *Outbox) Settle(ctx context.Context, orgID, id string, at time.Time, failure string, maxAttempts int) error {
	return o.db.InTx(ctx, Scope{Platform: true}, func(tx *Tx) error {
		if failure == "" {
			_, err := tx.Exec(ctx, `UPDATE outbox_events SET dispatched_at = ?, attempts = attempts + 1 WHERE organization_id = ? AND id = ?`, utc(at), orgID, id)
			return err
		}
		if len(failure) > 500 {
			failure = failure[:500]
		}
		if _, err := tx.Exec(ctx, `UPDATE outbox_events SET attempts = attempts + 1, last_error = ? WHERE organization_id = ? AND id = ?`,
			failure, orgID, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE outbox_events SET dispatched_at = ? WHERE organization_id = ? AND id = ? AND attempts >= ?`,
			utc(at), orgID, id, maxAttempts)
		return err
	})
}

// Purge deletes delivered events older than before and reports how many.
func (o *Outbox) Purge(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := o.db.InTx(ctx, Scope{Platform: true}, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM outbox_events WHERE dispatched_at IS NOT NULL AND dispatched_at < ?`, utc(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// Events lists the events of one entity, oldest first (tests, support).
func (o *Outbox) Events(ctx context.Context, orgID, entityType, entityID string) ([]hse.Event, error) {
	var out []hse.Event
	err := o.db.InTx(ctx, Scope{OrgID: orgID, ReadOnly: true}, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT organization_id, id, type, entity_type, entity_id, actor_user_id, occurred_at, payload
			FROM outbox_events WHERE organization_id = ? AND (? = '' OR entity_type = ?) AND (? = '' OR entity_id = ?) ORDER BY id`,
			orgID, entityType, entityType, entityID, entityID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e hse.Event
			if err := scanEvent(rows, &e); err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

// Backlog reports how many events wait for delivery and when the oldest of
// them happened (zero when none wait).
func (o *Outbox) Backlog(ctx context.Context) (pending int64, oldest time.Time, err error) {
	err = o.db.InTx(ctx, Scope{Platform: true, ReadOnly: true}, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM outbox_events WHERE dispatched_at IS NULL`).Scan(&pending); err != nil {
			return err
		}
		if pending == 0 {
			return nil
		}
		err := tx.QueryRow(ctx, `SELECT occurred_at FROM outbox_events WHERE dispatched_at IS NULL ORDER BY id LIMIT 1`).Scan(&oldest)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // delivered meanwhile
		}
		return err
	})
	return pending, oldest.UTC(), err
}

// scanEvent reads organization_id, id, type, entity_type, entity_id,
// actor_user_id, occurred_at and payload, then any extra columns.
func scanEvent(rows *sql.Rows, e *hse.Event, extra ...any) error {
	var actor, payload sql.NullString
	dest := append([]any{&e.OrgID, &e.ID, &e.Type, &e.EntityType, &e.EntityID, &actor, &e.OccurredAt, &payload}, extra...)
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	e.ActorUserID, e.OccurredAt = actor.String, e.OccurredAt.UTC()
	return jsonScan(payload, &e.Payload)
}

// Recipient finds a member to notify: their address and name and the
// organization's name; hse.NotFound when the user is not a member (or is
// suspended). The relay runs outside any tenant, so this reads with the
// platform scope and filters by the organization itself.
func (o *Outbox) Recipient(ctx context.Context, orgID, userID string) (*notify.Recipient, error) {
	var r notify.Recipient
	err := o.db.InTx(ctx, Scope{Platform: true, ReadOnly: true}, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT u.email, u.name, o.name FROM memberships m
			JOIN users u ON u.id = m.user_id JOIN organizations o ON o.id = m.organization_id
			WHERE m.organization_id = ? AND m.user_id = ? AND m.suspended_at IS NULL`, orgID, userID).Scan(&r.Email, &r.Name, &r.OrgName)
	})
	if err != nil {
		return nil, notFound(err, "member")
	}
	return &r, nil
}
