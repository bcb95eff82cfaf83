package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"time"

	"github.com/hsedigital/hse/internal/idempotency"
)

// IdempotencyStore keeps idempotency keys per organization.
type IdempotencyStore struct{ db *DB }

// Idempotency returns the idempotency-key store.
func (db *DB) Idempotency() *IdempotencyStore { return &IdempotencyStore{db: db} }

var _ idempotency.Store = (*IdempotencyStore)(nil)

// Claim inserts the pending claim; the primary key makes concurrent claims
// of one key race to a single winner.
func (s *IdempotencyStore) Claim(ctx context.Context, rec *idempotency.Record, staleAfter time.Duration) (*idempotency.Record, error) {
	var cur *idempotency.Record
	err := s.db.InTx(ctx, Scope{OrgID: rec.OrgID, UserID: rec.UserID}, func(tx *Tx) error {
		// An expired record, or a claim whose request stopped beating,
		// gives way. On PostgreSQL a claim whose request is completing it
		// is locked by that request's transaction: the delete waits for
		// it, then finds it completed and leaves it.
		if _, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE organization_id = ? AND key = ?
			AND (expires_at < ? OR (status = 0 AND COALESCE(heartbeat_at, created_at) < ?))`,
			rec.OrgID, rec.Key, utc(rec.CreatedAt), utc(rec.CreatedAt.Add(-staleAfter))); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (organization_id, key, user_id, method, path, claim, status, created_at, heartbeat_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT (organization_id, key) DO NOTHING`,
			rec.OrgID, rec.Key, rec.UserID, rec.Method, rec.Path, rec.Claim, utc(rec.CreatedAt), utc(rec.CreatedAt), utc(rec.ExpiresAt))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		cur, err = findIdempotency(ctx, tx, rec.OrgID, rec.Key)
		return err
	})
	return cur, err
}

// Heartbeat marks a pending claim alive.
func (s *IdempotencyStore) Heartbeat(ctx context.Context, rec *idempotency.Record, now time.Time) (bool, error) {
	var alive bool
	err := s.db.InTx(ctx, Scope{OrgID: rec.OrgID, UserID: rec.UserID}, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE idempotency_keys SET heartbeat_at = ?
			WHERE organization_id = ? AND key = ? AND claim = ? AND status = 0`, utc(now), rec.OrgID, rec.Key, rec.Claim)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		alive = n == 1
		return err
	})
	return alive, err
}

func findIdempotency(ctx context.Context, tx *Tx, orgID, key string) (*idempotency.Record, error) {
	r := &idempotency.Record{OrgID: orgID, Key: key}
	var headers sql.NullString
	err := tx.QueryRow(ctx, `SELECT user_id, method, path, request_hash, claim, status, response_headers, response_body, created_at, expires_at
		FROM idempotency_keys WHERE organization_id = ? AND key = ?`, orgID, key).
		Scan(&r.UserID, &r.Method, &r.Path, &r.RequestHash, &r.Claim, &r.Status, &headers, &r.Body, &r.CreatedAt, &r.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		// Released between the insert and this read: report it as
		// pending so the caller tries to claim it again.
		return &idempotency.Record{OrgID: orgID, Key: key}, nil
	}
	if err != nil {
		return nil, err
	}
	r.Header = http.Header{}
	if err := jsonScan(headers, &r.Header); err != nil {
		return nil, err
	}
	return r, nil
}

// Complete stores the response of the claim that still holds the key, in
// a transaction of its own.
func (s *IdempotencyStore) Complete(ctx context.Context, rec *idempotency.Record) error {
	return s.db.InTx(ctx, keyScope(rec), func(tx *Tx) error { return completeKey(ctx, tx, rec) })
}

// Release deletes a pending claim.
func (s *IdempotencyStore) Release(ctx context.Context, orgID, key, claim string) error {
	return s.db.InTx(ctx, Scope{OrgID: orgID}, func(tx *Tx) error {
		return releaseKey(ctx, tx, orgID, key, claim)
	})
}

// Hold holds the request's first write transaction (see Holder), so that
// the key's completion commits with it.
func (s *IdempotencyStore) Hold(ctx context.Context) (context.Context, idempotency.Hold) {
	ctx, h := s.db.Hold(ctx)
	return ctx, heldRequest{h}
}

// heldRequest ends a held request transaction with its key's outcome.
type heldRequest struct{ h *Holder }

func (r heldRequest) Held() bool { return r.h.Held() }

func (r heldRequest) Complete(ctx context.Context, rec *idempotency.Record) error {
	return r.h.Commit(ctx, keyScope(rec), func(tx *Tx) error { return completeKey(ctx, tx, rec) })
}

func (r heldRequest) Release(ctx context.Context, rec *idempotency.Record) error {
	return r.h.Commit(ctx, keyScope(rec), func(tx *Tx) error { return releaseKey(ctx, tx, rec.OrgID, rec.Key, rec.Claim) })
}

func (r heldRequest) Abort() { _ = r.h.Rollback() }

// keyScope is the scope of a key's row: the request's transaction may
// have been scoped otherwise (an invitation accepted into another
// organization), and row-level security must see the key's organization.
func keyScope(rec *idempotency.Record) Scope { return Scope{OrgID: rec.OrgID, UserID: rec.UserID} }

// completeKey stores the response of rec's claim, and fails with
// idempotency.ErrClaimLost when the claim is no longer pending under it.
func completeKey(ctx context.Context, tx *Tx, rec *idempotency.Record) error {
	h, err := jsonParam(rec.Header)
	if err != nil {
		return err
	}
	res, err := tx.Exec(ctx, `UPDATE idempotency_keys SET request_hash = ?, status = ?, response_headers = ?, response_body = ?, completed_at = ?
		WHERE organization_id = ? AND key = ? AND claim = ? AND status = 0`,
		rec.RequestHash, rec.Status, h, rec.Body, utc(time.Now()), rec.OrgID, rec.Key, rec.Claim)
	return claimed(res, err)
}

// releaseKey deletes rec's pending claim, and fails with
// idempotency.ErrClaimLost when it is no longer pending under it.
func releaseKey(ctx context.Context, tx *Tx, orgID, key, claim string) error {
	res, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE organization_id = ? AND key = ? AND claim = ? AND status = 0`, orgID, key, claim)
	return claimed(res, err)
}

func claimed(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return idempotency.ErrClaimLost
	}
	return nil
}

// Purge deletes expired keys of every organization.
func (s *IdempotencyStore) Purge(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.db.InTx(ctx, Scope{Platform: true}, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE expires_at < ?`, utc(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
