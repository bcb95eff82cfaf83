package identity

import (
	"context"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// TxScope says whose rows a transaction may see. On PostgreSQL it becomes
// the row-level-security settings of the transaction.
type TxScope struct {
	OrgID    string // the tenant acted in; "" for none
	UserID   string // lets a user see their own memberships in every tenant
	Platform bool   // platform-operator operations only: every tenant
	ReadOnly bool
}

// Store opens transactions.
type Store interface {
	InTx(ctx context.Context, sc TxScope, fn func(Tx) error) error
}

// Tx is what the identity services do inside one transaction. Every method
// on tenant data takes the organization id right after ctx. Finders return
// an hse not-found error, never nil, nil.
type Tx interface {
	// AttachmentSink links the organization's logo, a file of its own.
	hse.AttachmentSink

	CreateOrganization(ctx context.Context, o *Organization) error
	FindOrganizationByID(ctx context.Context, id string) (*Organization, error)
	SlugTaken(ctx context.Context, slug string) (bool, error)
	UpdateOrganization(ctx context.Context, o *Organization) error
	SetOrganizationStatus(ctx context.Context, id, status string, at time.Time) error
	FindOrganizationSummaries(ctx context.Context) ([]OrgSummary, error)

	CreateUser(ctx context.Context, u *User) error
	FindUserByID(ctx context.Context, id string) (*User, error)
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	UpdateUser(ctx context.Context, u *User) error

	// CreateStarterPermitTypes gives a new organization the starter
	// permit types: permits cannot be requested without types.
	CreateStarterPermitTypes(ctx context.Context, orgID string, at time.Time) error

	CreateRole(ctx context.Context, orgID string, r *Role) error
	FindRole(ctx context.Context, orgID, id string) (*Role, error)
	FindRoles(ctx context.Context, orgID string) ([]Role, error)
	UpdateRole(ctx context.Context, orgID string, r *Role) error
	DeleteRole(ctx context.Context, orgID, id string) error
	CountRoleMembers(ctx context.Context, orgID, roleID string) (int, error)

	CreateMembership(ctx context.Context, orgID string, m *Membership) error
	FindMembership(ctx context.Context, orgID, userID string) (*Membership, error)
	FindMembers(ctx context.Context, orgID string) ([]Member, error)
	FindUserMemberships(ctx context.Context, userID string) ([]UserMembership, error)
	UpdateMembership(ctx context.Context, orgID string, m *Membership) error
	DeleteMembership(ctx context.Context, orgID, userID string) error
	CountRoleHolders(ctx context.Context, orgID, roleID string) (int, error)

	CreateInvitation(ctx context.Context, orgID string, inv *Invitation) error
	FindInvitationByTokenHash(ctx context.Context, orgID, hash string) (*Invitation, error)
	FindInvitations(ctx context.Context, orgID string) ([]Invitation, error)
	MarkInvitationAccepted(ctx context.Context, orgID, id string, at time.Time) error
	RevokeInvitation(ctx context.Context, orgID, id string, at time.Time) error
	// ReplacePendingInvitations revokes the pending invitations of an
	// address and returns their ids; invitations of one address made at
	// the same time queue on it, so at most one stays pending.
	ReplacePendingInvitations(ctx context.Context, orgID, email string, at time.Time) ([]string, error)

	CreateSession(ctx context.Context, s *Session) error
	FindSession(ctx context.Context, id string) (*Session, error)
	SetSessionOrganization(ctx context.Context, id, orgID string, at time.Time) error
	TouchSession(ctx context.Context, id string, at time.Time) error
	RevokeSession(ctx context.Context, id, reason string, at time.Time) error
	RevokeUserSessions(ctx context.Context, userID, reason, exceptSessionID string, at time.Time) (int, error)

	CreateRefreshToken(ctx context.Context, rt *RefreshToken) error
	FindRefreshToken(ctx context.Context, hashes []string) (*RefreshToken, error)
	// MarkRefreshTokenRotated sets rotated_at only if it is still unset and
	// reports whether it did, so two concurrent refreshes cannot both win.
	MarkRefreshTokenRotated(ctx context.Context, hash string, at time.Time) (bool, error)

	CreateUserToken(ctx context.Context, userID, purpose, hash string, expires, now time.Time) error
	// ConsumeUserToken marks a live token used and returns its user.
	ConsumeUserToken(ctx context.Context, purpose, hash string, now time.Time) (string, error)
	InvalidateUserTokens(ctx context.Context, userID, purpose string, now time.Time) error

	// LoadPrincipal resolves an access token's subject in one query: the
	// session must be live, the membership present and the organization
	// active.
	LoadPrincipal(ctx context.Context, orgID, userID, sessionID string, now time.Time) (*hse.Principal, error)

	AppendAudit(ctx context.Context, e *hse.AuditEntry) error
	FindAuditEntries(ctx context.Context, orgID string, f hse.AuditFilter) ([]hse.AuditEntry, error)
}
