package permit

import (
	"context"
	"slices"
	"strings"

	"github.com/hsedigital/hse/internal/hse"
)

// Isolations (lock-out/tag-out): the points of energy or product a permit's
// work is isolated from, who applied each and who removed it. They are
// applied once the permit is Approved and removed before it closes; a
// permit does not close while one is still applied (409
// ISOLATIONS_APPLIED).

// IsolationInput is a new isolation point.
type IsolationInput struct {
	Point  string
	Method string
	Note   string
}

// maxIsolations bounds the points of one permit.
const maxIsolations = 100

// mayIsolate is who applies and removes isolations: the people who take
// part in the work (the requester's crew, the area authority, the issuer).
func mayIsolate(pr *hse.Principal) error { return mayWork(pr) }

// ApplyIsolation records an isolation applied for an Approved, Active or
// Suspended permit.
func (s *Service) ApplyIsolation(ctx context.Context, pr *hse.Principal, id string, version int64, in IsolationInput) (*Details, error) {
	if err := mayIsolate(pr); err != nil {
		return nil, err
	}
	iso := &Isolation{ID: hse.NewID(), PermitID: id, Point: strings.TrimSpace(in.Point), Method: strings.TrimSpace(in.Method),
		Note: strings.TrimSpace(in.Note), AppliedBy: pr.UserID}
	var fs []hse.FieldError
	if n := len([]rune(iso.Point)); n < 1 || n > 300 {
		fs = append(fs, hse.FieldError{Field: "point", Message: "required: what is isolated, at most 300 characters"})
	}
	if n := len([]rune(iso.Method)); n < 1 || n > 300 {
		fs = append(fs, hse.FieldError{Field: "method", Message: "required: how (lock, tag number), at most 300 characters"})
	}
	if len([]rune(iso.Note)) > 1000 {
		fs = append(fs, hse.FieldError{Field: "note", Message: "at most 1,000 characters"})
	}
	if len(fs) > 0 {
		return nil, hse.Invalid("invalid isolation", fs...)
	}
	return s.isolationChange(ctx, pr, id, version, func(tx Tx, p *Permit, d *Details) (string, string, error) {
		switch p.Status {
		case StatusApproved, StatusActive, StatusSuspended:
		default:
			return "", "", hse.Conflict("PERMIT_NOT_ISOLATABLE", "isolations are applied once the permit is Approved and until it closes; it is %s", p.Status)
		}
		if len(d.Isolations) >= maxIsolations {
			return "", "", hse.Conflict("ISOLATION_LIMIT", "a permit has at most %d isolation points", maxIsolations)
		}
		iso.AppliedAt = s.now()
		d.Isolations = append(d.Isolations, *iso)
		return EventIsolationApplied, iso.Point + " (" + iso.Method + ")", tx.CreateIsolation(ctx, pr.OrgID, iso)
	})
}

// RemoveIsolation records the removal of an applied isolation.
func (s *Service) RemoveIsolation(ctx context.Context, pr *hse.Principal, id string, version int64, isolationID, note string) (*Details, error) {
	if err := mayIsolate(pr); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if len([]rune(note)) > 1000 {
		return nil, hse.Invalid("invalid removal", hse.FieldError{Field: "note", Message: "at most 1,000 characters"})
	}
	return s.isolationChange(ctx, pr, id, version, func(tx Tx, p *Permit, d *Details) (string, string, error) {
		i := slices.IndexFunc(d.Isolations, func(x Isolation) bool { return x.ID == isolationID })
		if i < 0 {
			return "", "", hse.NotFound("isolation")
		}
		iso := &d.Isolations[i]
		if !iso.Applied() {
			return "", "", hse.Conflict("ISOLATION_REMOVED", "the isolation %q was removed already", iso.Point)
		}
		now := s.now()
		iso.RemovedBy, iso.RemovedAt = pr.UserID, &now
		if note != "" {
			iso.Note = strings.TrimSpace(iso.Note + "\n" + note)
		}
		return EventIsolationRemoved, iso.Point, tx.RemoveIsolation(ctx, pr.OrgID, iso)
	})
}

// isolationChange runs one change to a permit's isolations in a
// transaction, with the permit's new version, its history and the audit
// trail.
func (s *Service) isolationChange(ctx context.Context, pr *hse.Principal, id string, version int64,
	change func(tx Tx, p *Permit, d *Details) (kind, note string, err error)) (*Details, error) {
	var d *Details
	err := s.Store.InTx(ctx, hse.ScopeOf(pr, false), func(tx Tx) error {
		p, err := find(ctx, tx, pr, id)
		if err != nil {
			return err
		}
		if version != 0 && p.Version != version {
			return hse.StaleVersion("permit", p.Version)
		}
		if d, err = details(ctx, tx, pr.OrgID, p); err != nil {
			return err
		}
		kind, note, err := change(tx, p, d)
		if err != nil {
			return err
		}
		now := s.now()
		before := Snapshot(p)
		if err := bump(ctx, tx, pr.OrgID, p, now, event(pr, p, now, kind, "", "", note)); err != nil {
			return err
		}
		after := Snapshot(p)
		after["isolation"] = note
		return tx.AppendAudit(ctx, audit(ctx, pr, now, "permit."+kind, p.ID, before, after))
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}
