package hse

import (
	"context"
	"slices"
	"time"
)

// Scope limits a member to some stations or one contractor company. It is
// the reusable filter that every station- or contractor-owned feature
// applies; "not in scope" is reported as not found.
type Scope struct {
	Kind         string   `json:"kind"` // ScopeOrganization, ScopeStations or ScopeContractor
	StationIDs   []string `json:"stationIds,omitempty"`
	ContractorID string   `json:"contractorId,omitempty"`
}

// All reports whether the scope covers the whole organization.
func (s Scope) All() bool { return s.Kind == ScopeOrganization || s.Kind == "" }

// AllowsStation reports whether a station is in scope.
func (s Scope) AllowsStation(id string) bool {
	return s.All() || (s.Kind == ScopeStations && slices.Contains(s.StationIDs, id))
}

// AllowsContractor reports whether a contractor company is in scope.
func (s Scope) AllowsContractor(id string) bool {
	return s.All() || (s.Kind == ScopeContractor && s.ContractorID == id)
}

// Principal is the authenticated caller acting in one organization.
type Principal struct {
	UserID      string
	Email       string
	OrgID       string
	SessionID   string
	RoleID      string
	RoleName    string
	Permissions PermissionSet
	Scope       Scope
	Operator    bool
	// TimeZone is the organization's IANA time zone ("" for UTC): the
	// zone "today" and due days are reckoned in for this caller.
	TimeZone string
}

// Location is the time zone of the principal's organization.
func (p *Principal) Location() *time.Location {
	if p == nil {
		return time.UTC
	}
	return LoadLocation(p.TimeZone)
}

// Today is the day it is now in the principal's organization.
func (p *Principal) Today(now time.Time) time.Time { return Today(now, p.Location()) }

// Can reports whether the principal holds p.
func (p *Principal) Can(perm Permission) bool { return p != nil && p.Permissions.Has(perm) }

// Require returns a Forbidden error naming the missing permission.
func (p *Principal) Require(perm Permission) error {
	if p.Can(perm) {
		return nil
	}
	return &Error{Kind: KindForbidden, Code: "FORBIDDEN", Message: "missing permission " + string(perm)}
}

// RequestMeta describes the request behind a change, for the audit trail.
type RequestMeta struct {
	IP        string
	UserAgent string
	RequestID string
}

type metaKey struct{}

// WithRequestMeta attaches request metadata to ctx.
func WithRequestMeta(ctx context.Context, m RequestMeta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// RequestMetaFrom returns the request metadata of ctx (zero when absent,
// e.g. in command-line operations).
func RequestMetaFrom(ctx context.Context) RequestMeta {
	m, _ := ctx.Value(metaKey{}).(RequestMeta)
	return m
}

// TxScope says whose rows a domain transaction may see. On PostgreSQL it
// becomes the row-level-security settings of the transaction. Domain
// services build it from the principal: TxScope{OrgID: p.OrgID, UserID: p.UserID}.
type TxScope struct {
	OrgID    string
	UserID   string
	ReadOnly bool
}

// ScopeOf is the transaction scope of a principal's request.
func ScopeOf(p *Principal, readOnly bool) TxScope {
	return TxScope{OrgID: p.OrgID, UserID: p.UserID, ReadOnly: readOnly}
}

// MemberAccess is what another member's role allows, for checking that
// someone given work may do it: their permissions and scope (stations
// they manage included).
type MemberAccess struct {
	Permissions PermissionSet
	Scope       Scope
}

// AccessReader reads a member's access inside a transaction; a user who is
// not a member is NotFound("member").
type AccessReader interface {
	MemberAccess(ctx context.Context, orgID, userID string) (*MemberAccess, error)
}
