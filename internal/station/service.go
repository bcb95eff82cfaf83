package station

import (
	"context"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Service applies the station rules: permissions, scope, validation,
// optimistic concurrency, and an audit entry in the same transaction as
// every change.
type Service struct {
	Store Store
	Now   func() time.Time
	// ScopeChanged is called after a change of a station's managers has
	// committed: being named manager adds the station to a member's scope
	// (and being removed takes it away), so callers resolved and cached
	// before must be resolved again. The identity service's
	// ForgetPrincipals; nil in tests that need no cache.
	ScopeChanged func()
}

func (s *Service) scopeChanged() {
	if s.ScopeChanged != nil {
		s.ScopeChanged()
	}
}

// now is the service's clock at the microsecond precision both engines
// store, so a change returns what a later read returns.
func (s *Service) now() time.Time { return hse.Now(s.Now) }

func newID() string { return hse.NewID() }

// audit builds an audit entry for a principal's change.
func audit(ctx context.Context, p *hse.Principal, at time.Time, action, id string, before, after map[string]any) *hse.AuditEntry {
	return hse.NewAuditEntry(ctx, p, at, action, "station", id, before, after)
}

// visible reports whether the caller's scope reaches a station: the
// stations of their membership and those they manage (the principal's
// scope holds both), or every station for organization-wide roles.
// Contractors see none through this service.
func visible(p *hse.Principal, id string) bool { return p.Scope.AllowsStation(id) }

// restrict narrows a filter to the caller's scope.
func restrict(p *hse.Principal, f *Filter) {
	if p.Scope.All() {
		return
	}
	f.Restricted = true
	f.Only = nil
	if p.Scope.Kind == hse.ScopeStations {
		f.Only = append(f.Only, p.Scope.StationIDs...)
	}
}

// find loads a station the caller may see; anything else is not found.
func find(ctx context.Context, tx Tx, p *hse.Principal, id string) (*Station, error) {
	if !visible(p, id) {
		return nil, hse.NotFound("station")
	}
	return tx.FindStation(ctx, p.OrgID, id)
}

func snapshot(s *Station) map[string]any {
	m := map[string]any{"code": s.Code, "name": s.Name, "brand": s.Brand, "region": s.Region, "address": s.Address,
		"riskCategory": s.RiskCategory, "auditFrequency": s.AuditFrequency, "managerUserIds": s.ManagerUserIDs,
		"active": s.Active, "version": s.Version, "timeZone": s.TimeZone}
	if s.Latitude != nil {
		m["latitude"] = *s.Latitude
	}
	if s.Longitude != nil {
		m["longitude"] = *s.Longitude
	}
	return m
}
