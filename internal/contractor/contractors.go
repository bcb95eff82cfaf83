package contractor

import (
	"context"
	"fmt"

	"github.com/hsedigital/hse/internal/hse"
)

// Contractors lists the companies the caller may see.
func (s *Service) Contractors(ctx context.Context, p *hse.Principal, f Filter, page hse.PageRequest) (hse.Page[Contractor], error) {
	if err := p.Require(PermRead); err != nil {
		return hse.Page[Contractor]{}, err
	}
	f.Only = ""
	if p.Scope.Kind == hse.ScopeContractor {
		f.Only = p.Scope.ContractorID
		if f.Only == "" {
			return hse.Page[Contractor]{}, nil
		}
	}
	f.Today = s.now()
	var out hse.Page[Contractor]
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		var err error
		out, err = tx.FindContractors(ctx, p.OrgID, f, page)
		return err
	})
	return out, err
}

// Contractor returns one company with its documents.
func (s *Service) Contractor(ctx context.Context, p *hse.Principal, id string) (*Contractor, []Document, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, nil, err
	}
	var c *Contractor
	var docs []Document
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		var err error
		if c, err = s.find(ctx, tx, p, id); err != nil {
			return err
		}
		docs, err = tx.FindContractorDocuments(ctx, p.OrgID, id)
		return err
	})
	return c, docs, err
}

// CreateContractor adds a company, Active unless the input says otherwise.
func (s *Service) CreateContractor(ctx context.Context, p *hse.Principal, in Input) (*Contractor, error) {
	if err := p.Require(PermCreate); err != nil {
		return nil, err
	}
	if in.Name == nil {
		return nil, hse.Invalid("invalid contractor", hse.FieldError{Field: "name", Message: "required"})
	}
	now := s.now()
	c := &Contractor{ID: newID(), Status: StatusActive, Version: 1, CreatedAt: now, UpdatedAt: now, DocumentsValid: true}
	if err := in.apply(c); err != nil {
		return nil, err
	}
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		if err := checkStations(ctx, tx, p.OrgID, c.StationIDs); err != nil {
			return err
		}
		if err := tx.CreateContractor(ctx, p.OrgID, c); err != nil {
			return err
		}
		if err := tx.Emit(ctx, hse.NewEvent(p, p.OrgID, now, "contractor:created", "contractor", c.ID, eventPayload(c))); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, audit(ctx, p, now, "contractor.created", "contractor", c.ID, nil, snapshot(c)))
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// UpdateContractor changes a company whose current version is version.
// Setting the status to Inactive needs contractors:delete, as DELETE does.
func (s *Service) UpdateContractor(ctx context.Context, p *hse.Principal, id string, version int64, in Input) (*Contractor, error) {
	if err := p.Require(PermUpdate); err != nil {
		return nil, err
	}
	return s.change(ctx, p, id, version, "contractor.updated", func(tx Tx, c *Contractor) (bool, error) {
		if in.Status != nil && *in.Status == StatusInactive && c.Status != StatusInactive {
			if err := p.Require(PermDelete); err != nil {
				return false, err
			}
		}
		if err := in.apply(c); err != nil {
			return false, err
		}
		return true, checkStations(ctx, tx, p.OrgID, c.StationIDs)
	})
}

// DeactivateContractor sets a company Inactive; it is never deleted, so
// its permits and documents stay on record.
func (s *Service) DeactivateContractor(ctx context.Context, p *hse.Principal, id string) error {
	if err := p.Require(PermDelete); err != nil {
		return err
	}
	_, err := s.change(ctx, p, id, 0, "contractor.deactivated", func(_ Tx, c *Contractor) (bool, error) {
		if c.Status == StatusInactive {
			return false, nil
		}
		c.Status = StatusInactive
		return true, nil
	})
	return err
}

// change applies edit in one transaction; version 0 means "whatever is
// current". edit reports whether it changed anything.
func (s *Service) change(ctx context.Context, p *hse.Principal, id string, version int64, action string, edit func(Tx, *Contractor) (bool, error)) (*Contractor, error) {
	var c *Contractor
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		var err error
		if c, err = s.find(ctx, tx, p, id); err != nil {
			return err
		}
		if version != 0 && c.Version != version {
			return hse.StaleVersion("contractor", c.Version)
		}
		before := snapshot(c)
		changed, err := edit(tx, c)
		if err != nil || !changed {
			return err
		}
		cur := c.Version
		c.Version, c.UpdatedAt = cur+1, s.now()
		if err := tx.UpdateContractor(ctx, p.OrgID, c, cur); err != nil {
			return err
		}
		// A status change matters to permits (a suspended contractor's
		// permits cannot be approved), so it has its own event type.
		ev := hse.NewEvent(p, p.OrgID, c.UpdatedAt, "contractor:updated", "contractor", c.ID, eventPayload(c))
		if from := before["status"]; from != c.Status {
			ev.Type = "contractor:status_changed"
			ev.Payload = hse.StatusChange(c.Name, fmt.Sprint(from), c.Status, eventPayload(c))
		}
		if err := tx.Emit(ctx, ev); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, audit(ctx, p, c.UpdatedAt, action, "contractor", c.ID, before, snapshot(c)))
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// eventPayload is what a contractor's events carry.
func eventPayload(c *Contractor) map[string]any {
	return map[string]any{"name": c.Name, "status": c.Status}
}
