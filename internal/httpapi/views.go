package httpapi

import (
	"time"

	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/identity"
)

// UserView is a user as the API shows it: never the password hash.
type UserView struct {
	ID            string    `json:"id"`
	Email         string    `json:"email"`
	Name          string    `json:"name"`
	EmailVerified bool      `json:"emailVerified"`
	Operator      bool      `json:"platformOperator,omitempty"`
	CreatedAt     time.Time `json:"createdAt"`
}

func userView(u *identity.User) UserView {
	return UserView{ID: u.ID, Email: u.Email, Name: u.Name, EmailVerified: u.Verified(), Operator: u.Operator, CreatedAt: u.CreatedAt}
}

// MembershipView is one of the caller's organizations with their role.
type MembershipView struct {
	ID       string    `json:"id" doc:"organization id"`
	Name     string    `json:"name"`
	Slug     string    `json:"slug"`
	Status   string    `json:"status" enum:"active,suspended"`
	RoleID   string    `json:"roleId"`
	Role     string    `json:"role"`
	JoinedAt time.Time `json:"joinedAt"`
}

func membershipViews(ms []identity.UserMembership) []MembershipView {
	out := make([]MembershipView, 0, len(ms))
	for _, m := range ms {
		out = append(out, MembershipView{ID: m.OrgID, Name: m.OrgName, Slug: m.OrgSlug, Status: m.OrgStatus, RoleID: m.RoleID, Role: m.RoleName, JoinedAt: m.JoinedAt})
	}
	return out
}

// MemberView is a member of the organization.
type MemberView struct {
	UserID        string    `json:"userId"`
	Email         string    `json:"email"`
	Name          string    `json:"name"`
	EmailVerified bool      `json:"emailVerified"`
	RoleID        string    `json:"roleId"`
	Role          string    `json:"role"`
	StationIDs    []string  `json:"stationIds"`
	ContractorID  string    `json:"contractorId,omitempty"`
	JoinedAt      time.Time `json:"joinedAt"`
	Suspended     bool      `json:"suspended" doc:"suspended members cannot act until reactivated"`
}

// InvitationView is a pending or past invitation.
type InvitationView struct {
	ID           string     `json:"id"`
	Email        string     `json:"email"`
	RoleID       string     `json:"roleId"`
	StationIDs   []string   `json:"stationIds"`
	ContractorID string     `json:"contractorId,omitempty"`
	Status       string     `json:"status" enum:"pending,accepted,revoked,expired"`
	ExpiresAt    time.Time  `json:"expiresAt"`
	AcceptedAt   *time.Time `json:"acceptedAt,omitempty"`
	CreatedAt    time.Time  `json:"createdAt"`
}

func invitationView(inv *identity.Invitation, now time.Time) InvitationView {
	status := "pending"
	switch {
	case inv.AcceptedAt != nil:
		status = "accepted"
	case inv.RevokedAt != nil:
		status = "revoked"
	case !now.Before(inv.ExpiresAt):
		status = "expired"
	}
	return InvitationView{ID: inv.ID, Email: inv.Email, RoleID: inv.RoleID, StationIDs: nonNil(inv.StationIDs), ContractorID: inv.ContractorID,
		Status: status, ExpiresAt: inv.ExpiresAt, AcceptedAt: inv.AcceptedAt, CreatedAt: inv.CreatedAt}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// PermissionsView is the caller's role and permissions in the current
// organization.
type PermissionsView struct {
	OrganizationID string           `json:"organizationId"`
	RoleID         string           `json:"roleId"`
	Role           string           `json:"role"`
	Permissions    []hse.Permission `json:"permissions"`
	Scope          hse.Scope        `json:"scope"`
}

func permissionsView(p *hse.Principal) PermissionsView {
	scope := p.Scope
	if scope.Kind == "" {
		scope.Kind = hse.ScopeOrganization
	}
	return PermissionsView{OrganizationID: p.OrgID, RoleID: p.RoleID, Role: p.RoleName, Permissions: nonNilPerms(p.Permissions.List()), Scope: scope}
}

func nonNilPerms(ps []hse.Permission) []hse.Permission {
	if ps == nil {
		return []hse.Permission{}
	}
	return ps
}
