package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/identity"
)

const sessionColumns = `id, user_id, organization_id, created_at, last_used_at, expires_at, revoked_at, revoked_reason, ip, user_agent`

func (t identityTx) CreateSession(ctx context.Context, s *identity.Session) error {
	_, err := t.Exec(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.UserID, nullString(s.OrgID), utc(s.CreatedAt), utc(s.LastUsedAt), utc(s.ExpiresAt), nullTime(s.RevokedAt),
		s.RevokedReason, s.IP, s.UserAgent)
	return err
}

func (t identityTx) FindSession(ctx context.Context, id string) (*identity.Session, error) {
	var s identity.Session
	var org sql.NullString
	var revoked sql.NullTime
	err := t.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = ?`, id).Scan(&s.ID, &s.UserID, &org,
		&s.CreatedAt, &s.LastUsedAt, &s.ExpiresAt, &revoked, &s.RevokedReason, &s.IP, &s.UserAgent)
	if err != nil {
		return nil, notFound(err, "session")
	}
	s.OrgID, s.RevokedAt = org.String, timePtr(revoked)
	s.CreatedAt, s.LastUsedAt, s.ExpiresAt = s.CreatedAt.UTC(), s.LastUsedAt.UTC(), s.ExpiresAt.UTC()
	return &s, nil
}

func (t identityTx) SetSessionOrganization(ctx context.Context, id, orgID string, at time.Time) error {
	res, err := t.Exec(ctx, `UPDATE sessions SET organization_id = ?, last_used_at = ? WHERE id = ?`, nullString(orgID), utc(at), id)
	return expectOne(res, err, "session")
}

func (t identityTx) TouchSession(ctx context.Context, id string, at time.Time) error {
	res, err := t.Exec(ctx, `UPDATE sessions SET last_used_at = ? WHERE id = ?`, utc(at), id)
	return expectOne(res, err, "session")
}

func (t identityTx) RevokeSession(ctx context.Context, id, reason string, at time.Time) error {
	_, err := t.Exec(ctx, `UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL`, utc(at), reason, id)
	return err
}

func (t identityTx) RevokeUserSessions(ctx context.Context, userID, reason, exceptSessionID string, at time.Time) (int, error) {
	res, err := t.Exec(ctx, `UPDATE sessions SET revoked_at = ?, revoked_reason = ?
		WHERE user_id = ? AND revoked_at IS NULL AND id <> ?`, utc(at), reason, userID, exceptSessionID)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func (t identityTx) CreateRefreshToken(ctx context.Context, rt *identity.RefreshToken) error {
	_, err := t.Exec(ctx, `INSERT INTO refresh_tokens (token_hash, session_id, issued_at, expires_at, rotated_at) VALUES (?, ?, ?, ?, ?)`,
		rt.Hash, rt.SessionID, utc(rt.IssuedAt), utc(rt.ExpiresAt), nullTime(rt.RotatedAt))
	return err
}

// FindRefreshToken looks a token up by any of its candidate hashes (one per
// accepted secret, so tokens survive a secret rotation).
func (t identityTx) FindRefreshToken(ctx context.Context, hashes []string) (*identity.RefreshToken, error) {
	if len(hashes) == 0 {
		return nil, hse.NotFound("refresh token")
	}
	args := make([]any, len(hashes))
	for i, h := range hashes {
		args[i] = h
	}
	var rt identity.RefreshToken
	var rotated sql.NullTime
	err := t.QueryRow(ctx, `SELECT token_hash, session_id, issued_at, expires_at, rotated_at FROM refresh_tokens
		WHERE token_hash IN (`+placeholders(len(hashes))+`)`, args...).Scan(&rt.Hash, &rt.SessionID, &rt.IssuedAt, &rt.ExpiresAt, &rotated)
	if err != nil {
		return nil, notFound(err, "refresh token")
	}
	rt.RotatedAt = timePtr(rotated)
	rt.IssuedAt, rt.ExpiresAt = rt.IssuedAt.UTC(), rt.ExpiresAt.UTC()
	return &rt, nil
}

func (t identityTx) MarkRefreshTokenRotated(ctx context.Context, hash string, at time.Time) (bool, error) {
	res, err := t.Exec(ctx, `UPDATE refresh_tokens SET rotated_at = ? WHERE token_hash = ? AND rotated_at IS NULL`, utc(at), hash)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (t identityTx) CreateUserToken(ctx context.Context, userID, purpose, hash string, expires, now time.Time) error {
	_, err := t.Exec(ctx, `INSERT INTO user_tokens (token_hash, user_id, purpose, expires_at, created_at) VALUES (?, ?, ?, ?, ?)`,
		hash, userID, purpose, utc(expires), utc(now))
	return err
}

func (t identityTx) ConsumeUserToken(ctx context.Context, purpose, hash string, now time.Time) (string, error) {
	var userID string
	var expires time.Time
	var used sql.NullTime
	err := t.QueryRow(ctx, `SELECT user_id, expires_at, used_at FROM user_tokens WHERE token_hash = ? AND purpose = ?`, hash, purpose).
		Scan(&userID, &expires, &used)
	if err != nil || used.Valid || !now.Before(expires) {
		return "", hse.Invalid("the link is invalid or has expired", hse.FieldError{Field: "token", Message: "invalid or expired"})
	}
	res, err := t.Exec(ctx, `UPDATE user_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL`, utc(now), hash)
	if err := expectOne(res, err, "token"); err != nil {
		return "", hse.Invalid("the link is invalid or has expired", hse.FieldError{Field: "token", Message: "invalid or expired"})
	}
	return userID, nil
}

func (t identityTx) InvalidateUserTokens(ctx context.Context, userID, purpose string, now time.Time) error {
	_, err := t.Exec(ctx, `UPDATE user_tokens SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at IS NULL`, utc(now), userID, purpose)
	return err
}
