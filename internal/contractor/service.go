package contractor

import (
	"context"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Service applies the contractor rules: permissions, scope, validation,
// optimistic concurrency, and an audit entry in the same transaction as
// every change.
type Service struct {
	Store Store
	Now   func() time.Time
}

func (s *Service) now() time.Time { return hse.Now(s.Now) }

func newID() string { return hse.NewID() }

func audit(ctx context.Context, p *hse.Principal, at time.Time, action, entityType, id string, before, after map[string]any) *hse.AuditEntry {
	return hse.NewAuditEntry(ctx, p, at, action, entityType, id, before, after)
}

// visible reports whether the caller reaches a company. Contractor staff
// see only their own; station managers read every contractor (DOMAIN.md
// gives them contractors:read without "own").
func visible(p *hse.Principal, id string) bool {
	return p.Scope.Kind != hse.ScopeContractor || p.Scope.ContractorID == id
}

// find loads a contractor the caller may see; anything else is not found.
func (s *Service) find(ctx context.Context, tx Tx, p *hse.Principal, id string) (*Contractor, error) {
	if !visible(p, id) {
		return nil, hse.NotFound("contractor")
	}
	return tx.FindContractor(ctx, p.OrgID, id, s.now())
}

func snapshot(c *Contractor) map[string]any {
	return map[string]any{"name": c.Name, "licenceNumber": c.LicenceNumber, "specialization": c.Specialization,
		"contactName": c.ContactName, "contactEmail": c.ContactEmail, "contactPhone": c.ContactPhone,
		"status": c.Status, "version": c.Version, "stationIds": c.StationIDs}
}

func docSnapshot(d *Document) map[string]any {
	m := map[string]any{"contractorId": d.ContractorID, "type": d.Type, "number": d.Number}
	if d.IssuedOn != nil {
		m["issuedOn"] = d.IssuedOn.Format(time.DateOnly)
	}
	if d.ExpiresOn != nil {
		m["expiresOn"] = d.ExpiresOn.Format(time.DateOnly)
	}
	if d.AttachmentID != "" {
		m["attachmentId"] = d.AttachmentID
	}
	return m
}
