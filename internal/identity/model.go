// Package identity is the domain of people and tenancy: signup, accounts,
// sessions and tokens, organizations, members, roles and platform
// operators. Its services enforce the rules; internal/sqlstore persists.
package identity

import (
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Organization statuses.
const (
	OrgActive    = "active"
	OrgSuspended = "suspended"
)

// Organization is a tenant.
type Organization struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	Slug      string      `json:"slug"`
	Plan      string      `json:"plan"`
	Status    string      `json:"status"`
	Settings  OrgSettings `json:"settings"`
	CreatedAt time.Time   `json:"createdAt"`
	UpdatedAt time.Time   `json:"updatedAt"`
}

// OrgSettings are the organization's own preferences.
type OrgSettings struct {
	TimeZone     string `json:"timeZone,omitempty" doc:"IANA time zone, e.g. Europe/London"`
	Locale       string `json:"locale,omitempty" doc:"BCP 47 language tag, e.g. en-GB"`
	BrandColor   string `json:"brandColor,omitempty" doc:"#RRGGBB"`
	LogoFileID   string `json:"logoFileId,omitempty" doc:"an image uploaded to this organization (POST /api/upload); \"\" removes the logo"`
	AutoSchedule bool   `json:"autoScheduleAudits,omitempty" doc:"create scheduled audits automatically"`
	PassMark     *int   `json:"passMark,omitempty" doc:"default audit pass mark, 0-100"`
	// ActionAssignment is who gets the corrective action of an audit
	// finding (hse.AssignmentRules); "" means the default.
	ActionAssignment string `json:"actionAssignment,omitempty" enum:"stationManagers,auditor,unassigned" doc:"who is assigned the corrective action of an audit finding: stationManagers (the station's first manager; the default), auditor, or unassigned"`
}

// User is one global identity; membership ties it to organizations.
type User struct {
	ID              string
	Email           string
	Name            string
	PasswordHash    string
	EmailVerifiedAt *time.Time
	Operator        bool
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Verified reports whether the e-mail address was confirmed.
func (u *User) Verified() bool { return u.EmailVerifiedAt != nil }

// Role is a named set of permissions with a scope.
type Role struct {
	ID          string           `json:"id"`
	Name        string           `json:"name"`
	Description string           `json:"description"`
	System      bool             `json:"system"`
	Scope       string           `json:"scope"`
	Permissions []hse.Permission `json:"permissions"`
	CreatedAt   time.Time        `json:"createdAt"`
	UpdatedAt   time.Time        `json:"updatedAt"`
}

// PermissionSet returns the role's permissions as a set.
func (r *Role) PermissionSet() hse.PermissionSet { return hse.NewPermissionSet(r.Permissions...) }

// Membership ties a user to an organization with one role and a scope.
type Membership struct {
	OrgID        string
	UserID       string
	RoleID       string
	StationIDs   []string
	ContractorID string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Member is a membership with its user and role, for listings.
type Member struct {
	Membership
	Email    string
	Name     string
	RoleName string
	Verified bool
	// Suspended: the member may not act until reactivated.
	Suspended bool
}

// UserMembership is one of a user's organizations, for login and the
// organization switcher.
type UserMembership struct {
	OrgID     string
	OrgName   string
	OrgSlug   string
	OrgStatus string
	RoleID    string
	RoleName  string
	JoinedAt  time.Time
}

// Invitation asks someone to join an organization.
type Invitation struct {
	ID           string
	OrgID        string
	Email        string
	RoleID       string
	StationIDs   []string
	ContractorID string
	TokenHash    string
	InvitedBy    string
	ExpiresAt    time.Time
	AcceptedAt   *time.Time
	RevokedAt    *time.Time
	CreatedAt    time.Time
}

// Session is one refresh-token family.
type Session struct {
	ID            string
	UserID        string
	OrgID         string // the organization its access tokens act in
	CreatedAt     time.Time
	LastUsedAt    time.Time
	ExpiresAt     time.Time
	RevokedAt     *time.Time
	RevokedReason string
	IP            string
	UserAgent     string
}

// RefreshToken is one stored (hashed) refresh token of a session.
type RefreshToken struct {
	Hash      string
	SessionID string
	IssuedAt  time.Time
	ExpiresAt time.Time
	RotatedAt *time.Time
}

// One-time token purposes.
const (
	PurposeVerifyEmail   = "verify_email"
	PurposeResetPassword = "reset_password"
)

// OrgSummary is an organization with counts, for platform operators.
type OrgSummary struct {
	Organization
	Members int `json:"members"`
}
