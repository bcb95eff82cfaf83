package station

import (
	"context"
	"slices"

	"github.com/hsedigital/hse/internal/hse"
)

// Stations lists the stations the caller may see.
func (s *Service) Stations(ctx context.Context, p *hse.Principal, f Filter, page hse.PageRequest) (hse.Page[Station], error) {
	if err := p.Require(PermRead); err != nil {
		return hse.Page[Station]{}, err
	}
	restrict(p, &f)
	var out hse.Page[Station]
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		if p.Scope.Kind == hse.ScopeContractor {
			if err := contractorSites(ctx, tx, p, &f); err != nil {
				return err
			}
		}
		var err error
		out, err = tx.FindStations(ctx, p.OrgID, f, page)
		return err
	})
	return out, err
}

// Station returns one station in the caller's scope.
func (s *Service) Station(ctx context.Context, p *hse.Principal, id string) (*Station, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	var st *Station
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		var err error
		if p.Scope.Kind == hse.ScopeContractor {
			st, err = findContractorSite(ctx, tx, p, id)
			return err
		}
		st, err = find(ctx, tx, p, id)
		return err
	})
	return st, err
}

// contractorSites narrows a contractor's list to the active stations
// where their company may work (every active station when the company
// names none), so they can request permits there.
func contractorSites(ctx context.Context, tx Tx, p *hse.Principal, f *Filter) error {
	ids, err := tx.ContractorStations(ctx, p.OrgID, p.Scope.ContractorID)
	if err != nil {
		return err
	}
	active := true
	f.Active, f.Restricted, f.Only = &active, len(ids) > 0, ids
	return nil
}

// findContractorSite loads a station a contractor may see: active, and
// one where their company may work.
func findContractorSite(ctx context.Context, tx Tx, p *hse.Principal, id string) (*Station, error) {
	ids, err := tx.ContractorStations(ctx, p.OrgID, p.Scope.ContractorID)
	if err != nil {
		return nil, err
	}
	if len(ids) > 0 && !slices.Contains(ids, id) {
		return nil, hse.NotFound("station")
	}
	st, err := tx.FindStation(ctx, p.OrgID, id)
	if err != nil {
		return nil, err
	}
	if !st.Active {
		return nil, hse.NotFound("station")
	}
	return st, nil
}

// CreateStation adds a station. Code and name are required; the risk
// category defaults to Medium and the audit frequency to Quarterly.
func (s *Service) CreateStation(ctx context.Context, p *hse.Principal, in Input) (*Station, error) {
	if err := p.Require(PermCreate); err != nil {
		return nil, err
	}
	var missing []hse.FieldError
	if in.Code == nil {
		missing = append(missing, hse.FieldError{Field: "code", Message: "required"})
	}
	if in.Name == nil {
		missing = append(missing, hse.FieldError{Field: "name", Message: "required"})
	}
	if len(missing) > 0 {
		return nil, hse.Invalid("invalid station", missing...)
	}
	now := s.now()
	st := &Station{ID: newID(), RiskCategory: "Medium", AuditFrequency: "Quarterly", ManagerUserIDs: []string{},
		Active: true, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := in.apply(st); err != nil {
		return nil, err
	}
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		if err := checkManagers(ctx, tx, p.OrgID, st.ManagerUserIDs); err != nil {
			return err
		}
		if err := tx.CreateStation(ctx, p.OrgID, st); err != nil {
			return err
		}
		if err := tx.Emit(ctx, hse.NewEvent(p, p.OrgID, now, "station:created", "station", st.ID, eventPayload(st))); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, audit(ctx, p, now, "station.created", st.ID, nil, snapshot(st)))
	})
	if err != nil {
		return nil, err
	}
	if len(st.ManagerUserIDs) > 0 {
		s.scopeChanged()
	}
	return st, nil
}

// UpdateStation changes a station whose current version is version;
// otherwise it answers hse.StaleVersion and changes nothing.
func (s *Service) UpdateStation(ctx context.Context, p *hse.Principal, id string, version int64, in Input) (*Station, error) {
	if err := p.Require(PermUpdate); err != nil {
		return nil, err
	}
	return s.change(ctx, p, id, version, "station.updated", func(st *Station) (bool, error) { return true, in.apply(st) },
		in.ManagerUserIDs != nil)
}

// DeactivateStation marks a station inactive. Stations are never deleted:
// their audits, incidents and hours stay. Deactivating an inactive station
// changes nothing.
func (s *Service) DeactivateStation(ctx context.Context, p *hse.Principal, id string) error {
	if err := p.Require(PermDelete); err != nil {
		return err
	}
	_, err := s.change(ctx, p, id, 0, "station.deactivated", func(st *Station) (bool, error) {
		changed := st.Active
		st.Active = false
		return changed, nil
	}, false)
	return err
}

// change applies edit to a station in one transaction; version 0 means
// "whatever is current" (for operations that do not depend on the
// caller's copy). edit reports whether it changed anything; a change that
// changes nothing writes no new version and no audit entry.
func (s *Service) change(ctx context.Context, p *hse.Principal, id string, version int64, action string, edit func(*Station) (bool, error), checkMembers bool) (*Station, error) {
	var st *Station
	managersChanged := false
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		var err error
		if st, err = find(ctx, tx, p, id); err != nil {
			return err
		}
		if version != 0 && st.Version != version {
			return hse.StaleVersion("station", st.Version)
		}
		before := snapshot(st)
		changed, err := edit(st)
		if err != nil || !changed {
			return err
		}
		if checkMembers {
			if err := checkManagers(ctx, tx, p.OrgID, st.ManagerUserIDs); err != nil {
				return err
			}
		}
		managersChanged = !slices.Equal(before["managerUserIds"].([]string), st.ManagerUserIDs)
		cur := st.Version
		st.Version, st.UpdatedAt = cur+1, s.now()
		if err := tx.UpdateStation(ctx, p.OrgID, st, cur); err != nil {
			return err
		}
		typ := "station:updated"
		if before["active"] != st.Active {
			typ = "station:active_changed"
		}
		if err := tx.Emit(ctx, hse.NewEvent(p, p.OrgID, st.UpdatedAt, typ, "station", st.ID, eventPayload(st))); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, audit(ctx, p, st.UpdatedAt, action, st.ID, before, snapshot(st)))
	})
	if err != nil {
		return nil, err
	}
	if managersChanged {
		s.scopeChanged()
	}
	return st, nil
}

// eventPayload is what a station's events carry: enough to route a
// notification to its managers.
func eventPayload(st *Station) map[string]any {
	return map[string]any{"code": st.Code, "name": st.Name, "active": st.Active, "managerUserIds": st.ManagerUserIDs}
}
