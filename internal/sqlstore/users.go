package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/identity"
)

const userColumns = `id, email, name, password_hash, email_verified_at, is_operator, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (*identity.User, error) {
	var u identity.User
	var verified sql.NullTime
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &verified, &u.Operator, &u.CreatedAt, &u.UpdatedAt); err != nil {
		return nil, err
	}
	u.EmailVerifiedAt = timePtr(verified)
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return &u, nil
}

func (t identityTx) CreateUser(ctx context.Context, u *identity.User) error {
	_, err := t.Exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, strings.ToLower(u.Email), u.Name, u.PasswordHash, nullTime(u.EmailVerifiedAt), u.Operator, utc(u.CreatedAt), utc(u.UpdatedAt))
	if isUniqueViolation(err) {
		return hse.Conflict("EMAIL_TAKEN", "a user with this e-mail address exists")
	}
	return err
}

func (t identityTx) FindUserByID(ctx context.Context, id string) (*identity.User, error) {
	u, err := scanUser(t.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "user")
	}
	return u, nil
}

func (t identityTx) FindUserByEmail(ctx context.Context, email string) (*identity.User, error) {
	u, err := scanUser(t.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, strings.ToLower(email)))
	if err != nil {
		return nil, notFound(err, "user")
	}
	return u, nil
}

func (t identityTx) UpdateUser(ctx context.Context, u *identity.User) error {
	res, err := t.Exec(ctx, `UPDATE users SET name = ?, password_hash = ?, email_verified_at = ?, is_operator = ?, updated_at = ? WHERE id = ?`,
		u.Name, u.PasswordHash, nullTime(u.EmailVerifiedAt), u.Operator, utc(u.UpdatedAt), u.ID)
	return expectOne(res, err, "user")
}
