package sqlstore

import (
	"context"

	"github.com/hsedigital/hse/internal/identity"
)

// IdentityStore implements identity.Store on this database.
type IdentityStore struct{ db *DB }

// Identity returns the identity store.
func (db *DB) Identity() *IdentityStore { return &IdentityStore{db: db} }

// InTx runs fn in one transaction scoped as sc.
func (s *IdentityStore) InTx(ctx context.Context, sc identity.TxScope, fn func(identity.Tx) error) error {
	return s.db.InTx(ctx, Scope{OrgID: sc.OrgID, UserID: sc.UserID, Platform: sc.Platform, ReadOnly: sc.ReadOnly}, func(tx *Tx) error {
		return fn(identityTx{tx})
	})
}

// identityTx implements identity.Tx. Its methods are spread over files by
// noun: organizations.go, users.go, roles.go, memberships.go, sessions.go,
// auditlog.go.
type identityTx struct{ *Tx }

var _ identity.Tx = identityTx{}
