// Package station is the sites domain: stations with their managers, risk
// category and audit frequency, and the hours worked per station and month
// that incident rates divide by.
package station

import (
	"context"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Risk categories and audit frequencies, as in DOMAIN.md.
var (
	RiskCategories   = []string{"Low", "Medium", "High", "Critical"}
	AuditFrequencies = []string{"Monthly", "Quarterly", "Semi-Annually", "Annually"}
)

// Station is one site of the organization.
type Station struct {
	ID             string
	Code           string
	Name           string
	Brand          string
	Region         string
	Address        string
	Latitude       *float64
	Longitude      *float64
	RiskCategory   string
	AuditFrequency string
	ManagerUserIDs []string
	Active         bool
	// TimeZone is the station's own IANA zone, for a network that spans
	// zones; "" follows the organization's.
	TimeZone  string
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Hours are the hours worked at a station in one month ("2026-03").
type Hours struct {
	StationID string
	Month     string
	Hours     float64
	UpdatedAt time.Time
}

// Filter selects stations of one organization.
type Filter struct {
	Region       string
	RiskCategory string
	Active       *bool
	Q            string // matches code or name, case-insensitively
	// Only, when Restricted, limits the list to these stations: the
	// caller's scope. An empty Only then means no stations at all.
	Only       []string
	Restricted bool
}

// Sort fields of the station list.
var SortFields = []string{"code", "name", "region", "createdAt"}

// Store opens transactions.
type Store interface {
	InTx(ctx context.Context, sc hse.TxScope, fn func(Tx) error) error
}

// Tx is what the station services do inside one transaction. Every method
// takes the organization id right after ctx; finders return an hse
// not-found error, never nil, nil.
type Tx interface {
	hse.EventSink
	CreateStation(ctx context.Context, orgID string, s *Station) error
	FindStation(ctx context.Context, orgID, id string) (*Station, error)
	FindStations(ctx context.Context, orgID string, f Filter, page hse.PageRequest) (hse.Page[Station], error)
	// UpdateStation writes s if its stored version is still version and
	// bumps it; otherwise it returns hse.StaleVersion.
	UpdateStation(ctx context.Context, orgID string, s *Station, version int64) error
	// FindMemberAccess returns what a member's role lets them do:
	// hse.NotFound when the user is not a member of the organization.
	FindMemberAccess(ctx context.Context, orgID, userID string) (*MemberAccess, error)
	// PutStationHours stores h and returns what it replaced (nil if new).
	PutStationHours(ctx context.Context, orgID string, h *Hours) (*Hours, error)
	FindStationHours(ctx context.Context, orgID, stationID, from, to string) ([]Hours, error)
	AppendAudit(ctx context.Context, e *hse.AuditEntry) error
	// ContractorStations lists the stations where a contractor company may
	// work; empty means every station.
	ContractorStations(ctx context.Context, orgID, contractorID string) ([]string, error)
}

// MemberAccess is what a member's role allows: its permissions and the
// kind of its scope.
type MemberAccess struct {
	Permissions hse.PermissionSet
	ScopeKind   string // hse.ScopeOrganization, ScopeStations or ScopeContractor
}

// Permissions of the stations resource.
const (
	PermRead   hse.Permission = "stations:read"
	PermCreate hse.Permission = "stations:create"
	PermUpdate hse.Permission = "stations:update"
	PermDelete hse.Permission = "stations:delete"
)
