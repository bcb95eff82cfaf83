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
		// An expired record, or a claim whose request died, gives way.
		if _, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE organization_id = ? AND key = ?
			AND (expires_at < ? OR (status = 0 AND created_at < ?))`,
			rec.OrgID, rec.Key, utc(rec.CreatedAt), utc(rec.CreatedAt.Add(-staleAfter))); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (organization_id, key, user_id, method, path, claim, status, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?) ON CONFLICT (organization_id, key) DO NOTHING`,
			rec.OrgID, rec.Key, rec.UserID, rec.Method, rec.Path, rec.Claim, utc(rec.CreatedAt), utc(rec.ExpiresAt))
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

// Complete stores the response of the claim that still holds the key.
func (s *IdempotencyStore) Complete(ctx context.Context, rec *idempotency.Record) error {
	h, err := jsonParam(rec.Header)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, Scope{OrgID: rec.OrgID, UserID: rec.UserID}, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE idempotency_keys SET request_hash = ?, status = ?, response_headers = ?, response_body = ?, completed_at = ?
			WHERE organization_id = ? AND key = ? AND claim = ?`,
			rec.RequestHash, rec.Status, h, rec.Body, utc(time.Now()), rec.OrgID, rec.Key, rec.Claim)
		return err
	})
}

// Release deletes a pending claim.
func (s *IdempotencyStore) Release(ctx context.Context, orgID, key, claim string) error {
	return s.db.InTx(ctx, Scope{OrgID: orgID}, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE organization_id = ? AND key = ? AND claim = ? AND status = 0`, orgID, key, claim)
		return err
	})
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
