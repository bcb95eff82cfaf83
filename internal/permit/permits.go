package permit

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Series is the number series of permits requested at t ("PTW-2026").
func Series(t time.Time) string { return fmt.Sprintf("PTW-%d", t.UTC().Year()) }

// FormatNumber formats the n-th permit number of a series.
func FormatNumber(series string, n int64) string { return fmt.Sprintf("%s-%04d", series, n) }

// Permits lists the permits the caller may see.
func (s *Service) Permits(ctx context.Context, pr *hse.Principal, f Filter, page hse.PageRequest) (hse.Page[Permit], error) {
	if err := pr.Require(PermRead); err != nil {
		return hse.Page[Permit]{}, err
	}
	restrict(pr, &f)
	var out hse.Page[Permit]
	err := s.Store.InTx(ctx, hse.ScopeOf(pr, true), func(tx Tx) error {
		var err error
		out, err = tx.FindPermits(ctx, pr.OrgID, f, page)
		return err
	})
	return out, err
}

// Board is the station board: the Approved, Active and Suspended permits
// valid now at a station in the caller's scope, soonest start first
// (stopped work is still on site, with its isolations).
func (s *Service) Board(ctx context.Context, pr *hse.Principal, stationID string) ([]Permit, error) {
	if err := pr.Require(PermRead); err != nil {
		return nil, err
	}
	if strings.TrimSpace(stationID) == "" {
		return nil, hse.Invalid("the station board needs a station", hse.FieldError{Field: "station", Message: "required"})
	}
	now := s.now()
	f := Filter{StationID: stationID, Statuses: []string{StatusApproved, StatusActive, StatusSuspended}, ValidAt: &now}
	restrict(pr, &f)
	var out []Permit
	err := s.Store.InTx(ctx, hse.ScopeOf(pr, true), func(tx Tx) error {
		ok, err := tx.StationExists(ctx, pr.OrgID, stationID)
		if err != nil {
			return err
		}
		if !ok || !stationAllowed(pr, stationID) {
			return hse.NotFound("station")
		}
		page := hse.PageRequest{Limit: hse.MaxPageSize}
		for {
			pg, err := tx.FindPermits(ctx, pr.OrgID, f, page)
			if err != nil {
				return err
			}
			out = append(out, pg.Items...)
			if pg.NextCursor.IsZero() {
				return nil
			}
			page.Cursor = pg.NextCursor
		}
	})
	return out, err
}

// Permit returns one permit in the caller's scope with its precautions,
// gas tests and extensions.
func (s *Service) Permit(ctx context.Context, pr *hse.Principal, id string) (*Details, error) {
	if err := pr.Require(PermRead); err != nil {
		return nil, err
	}
	var d *Details
	err := s.Store.InTx(ctx, hse.ScopeOf(pr, true), func(tx Tx) error {
		p, err := find(ctx, tx, pr, id)
		if err != nil {
			return err
		}
		d, err = details(ctx, tx, pr.OrgID, p)
		return err
	})
	return d, err
}

// History returns a permit's events, oldest first.
func (s *Service) History(ctx context.Context, pr *hse.Principal, id string) ([]Event, error) {
	if err := pr.Require(PermRead); err != nil {
		return nil, err
	}
	var out []Event
	err := s.Store.InTx(ctx, hse.ScopeOf(pr, true), func(tx Tx) error {
		if _, err := find(ctx, tx, pr, id); err != nil {
			return err
		}
		var err error
		out, err = tx.FindPermitEvents(ctx, pr.OrgID, id)
		return err
	})
	return out, err
}

// Input is a new permit, or (nil fields left as they are) a change to a
// draft.
type Input struct {
	Type          *string
	StationID     *string // new permits only
	ContractorID  *string // "" for in-house work
	Description   *string
	Location      *string
	ValidFrom     *time.Time
	ValidTo       *time.Time
	AttachmentIDs *[]string
}

// apply validates in onto p, naming every field at fault. types are the
// organization's permit types; cur is the version p is under ("" key for
// a new permit). A named type other than p's puts p under that type's
// current version; the same type keeps p's version. now bounds the window:
// it must not have ended. It returns the version p is now under.
func (in Input) apply(p *Permit, now time.Time, types []PermitType, cur TypeRule) (TypeRule, error) {
	var fields []hse.FieldError
	bad := func(field, msg string) { fields = append(fields, hse.FieldError{Field: field, Message: msg}) }
	r, ok := cur, cur.Key != ""
	if in.Type != nil {
		t, found := MatchType(types, *in.Type)
		switch {
		case !found:
			ok = false
			bad("type", "one of "+strings.Join(typeNames(types), ", "))
		case t.Key == p.TypeKey && ok:
		case !t.Active:
			ok = false
			bad("type", "the type "+t.Current.Type+" is archived and takes no new permits")
		default:
			r, ok = t.Current, true
			p.Type, p.TypeKey, p.TypeVersion = r.Type, r.Key, r.Version
		}
	} else if !ok {
		bad("type", "required")
	}
	text := func(field string, v *string, dst *string, max int) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
		if n := len([]rune(*dst)); n < 1 || n > max {
			bad(field, fmt.Sprintf("required, at most %d characters", max))
		}
	}
	text("description", in.Description, &p.Description, 5000)
	text("location", in.Location, &p.Location, 500)
	if in.ContractorID != nil {
		p.ContractorID = strings.TrimSpace(*in.ContractorID)
	}
	if in.ValidFrom != nil {
		p.ValidFrom = in.ValidFrom.UTC().Truncate(time.Second)
	}
	if in.ValidTo != nil {
		p.ValidTo = in.ValidTo.UTC().Truncate(time.Second)
	}
	switch {
	case p.ValidFrom.IsZero():
		bad("validFrom", "required")
	case p.ValidTo.IsZero():
		bad("validTo", "required")
	case !p.ValidTo.After(p.ValidFrom):
		bad("validTo", "must be after validFrom")
	case !p.ValidTo.After(now):
		bad("validTo", "must be in the future")
	case ok && p.ValidTo.Sub(p.ValidFrom) > r.MaxDuration:
		bad("validTo", fmt.Sprintf("a %s permit lasts at most %s", p.Type, Hours(r.MaxDuration)))
	}
	if in.AttachmentIDs != nil {
		if len(*in.AttachmentIDs) > 20 {
			bad("attachmentIds", "at most 20")
		}
		p.AttachmentIDs = slices.Clone(*in.AttachmentIDs)
	}
	if len(fields) > 0 {
		return r, hse.Invalid("invalid permit", fields...)
	}
	return r, nil
}

// typeNames lists the names of the active types, for a refusal.
func typeNames(types []PermitType) []string {
	var out []string
	for _, t := range types {
		if t.Active {
			out = append(out, t.Current.Type)
		}
	}
	return out
}

// checkContractor refuses a contractor the organization does not have, and
// binds contractor staff to their own company.
func checkContractor(ctx context.Context, tx Tx, pr *hse.Principal, p *Permit, now time.Time) error {
	if pr.Scope.Kind == hse.ScopeContractor {
		if p.ContractorID == "" {
			p.ContractorID = pr.Scope.ContractorID
		}
		if p.ContractorID == "" || p.ContractorID != pr.Scope.ContractorID {
			return hse.NotFound("contractor")
		}
	}
	if p.ContractorID == "" {
		return nil
	}
	_, err := tx.FindContractor(ctx, pr.OrgID, p.ContractorID, now)
	return err
}

// CreatePermit records a Draft permit requested by the caller.
func (s *Service) CreatePermit(ctx context.Context, pr *hse.Principal, in Input) (*Details, error) {
	if err := pr.Require(PermRequest); err != nil {
		return nil, err
	}
	now := s.now()
	p := &Permit{ID: hse.NewID(), Status: StatusDraft, RequestedBy: pr.UserID, Version: 1, CreatedAt: now, UpdatedAt: now}
	if in.StationID != nil {
		p.StationID = strings.TrimSpace(*in.StationID)
	}
	var d *Details
	err := s.Store.InTx(ctx, hse.ScopeOf(pr, false), func(tx Tx) error {
		types, err := tx.FindPermitTypes(ctx, pr.OrgID)
		if err != nil {
			return err
		}
		_, err = in.apply(p, now, types, TypeRule{})
		if p.StationID == "" {
			fe := hse.FieldError{Field: "stationId", Message: "required"}
			if e, ok := err.(*hse.Error); ok {
				e.Fields = append(e.Fields, fe)
			} else {
				err = hse.Invalid("invalid permit", fe)
			}
		}
		if err != nil {
			return err
		}
		p.OriginalValidTo = p.ValidTo
		ok, err := tx.StationExists(ctx, pr.OrgID, p.StationID)
		if err != nil {
			return err
		}
		if !ok || !stationAllowed(pr, p.StationID) {
			return hse.NotFound("station")
		}
		if err := checkContractor(ctx, tx, pr, p, now); err != nil {
			return err
		}
		series := Series(now)
		n, err := tx.NextNumber(ctx, pr.OrgID, series)
		if err != nil {
			return err
		}
		p.Number = FormatNumber(series, n)
		if err := tx.CreatePermit(ctx, pr.OrgID, p); err != nil {
			return err
		}
		if err := hse.Attach(ctx, tx, pr, hse.AttachmentLink{EntityType: EntityType, EntityID: p.ID, StationID: p.StationID, ContractorID: p.ContractorID},
			"attachmentIds", p.AttachmentIDs); err != nil {
			return err
		}
		if err := tx.AppendPermitEvent(ctx, pr.OrgID, event(pr, p, now, EventCreated, "", p.Status, "")); err != nil {
			return err
		}
		if err := tx.AppendAudit(ctx, audit(ctx, pr, now, "permit.created", p.ID, nil, Snapshot(p))); err != nil {
			return err
		}
		if err := tx.Emit(ctx, hse.NewEvent(pr, pr.OrgID, now, EventTypeCreated, EventEntityType, p.ID, map[string]any{
			"number": p.Number, "type": p.Type, "typeKey": p.TypeKey, "stationId": p.StationID, "status": p.Status})); err != nil {
			return err
		}
		d, err = details(ctx, tx, pr.OrgID, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// UpdatePermit edits a Draft permit whose current version is version.
// Changing the type forgets the precautions confirmed for the old one.
func (s *Service) UpdatePermit(ctx context.Context, pr *hse.Principal, id string, version int64, in Input) (*Details, error) {
	if err := pr.Require(PermRequest); err != nil {
		return nil, err
	}
	if in.StationID != nil {
		return nil, hse.Invalid("the station of a permit does not change; cancel it and request a new one",
			hse.FieldError{Field: "stationId", Message: "cannot be changed"})
	}
	var d *Details
	err := s.Store.InTx(ctx, hse.ScopeOf(pr, false), func(tx Tx) error {
		p, err := find(ctx, tx, pr, id)
		if err != nil {
			return err
		}
		if p.Version != version {
			return hse.StaleVersion("permit", p.Version)
		}
		if p.Status != StatusDraft {
			return hse.Conflict("PERMIT_NOT_DRAFT", "a permit is edited only while it is a Draft; it is %s", p.Status)
		}
		now := s.now()
		before := Snapshot(p)
		next := *p
		types, err := tx.FindPermitTypes(ctx, pr.OrgID)
		if err != nil {
			return err
		}
		cur, err := tx.FindTypeVersion(ctx, pr.OrgID, p.TypeKey, p.TypeVersion)
		if err != nil {
			return err
		}
		if _, err := in.apply(&next, now, types, *cur); err != nil {
			return err
		}
		if err := checkContractor(ctx, tx, pr, &next, now); err != nil {
			return err
		}
		next.OriginalValidTo = next.ValidTo
		if next.TypeKey != p.TypeKey {
			if err := tx.ClearPrecautions(ctx, pr.OrgID, p.ID); err != nil {
				return err
			}
		}
		// The links carry the station and contractor that decide who may
		// open the files, so they follow a move as well as a new list.
		if in.AttachmentIDs != nil || next.StationID != p.StationID || next.ContractorID != p.ContractorID {
			if err := hse.Attach(ctx, tx, pr, hse.AttachmentLink{EntityType: EntityType, EntityID: p.ID, StationID: next.StationID, ContractorID: next.ContractorID},
				"attachmentIds", next.AttachmentIDs); err != nil {
				return err
			}
		}
		if err := bump(ctx, tx, pr.OrgID, &next, now, event(pr, p, now, EventUpdated, "", "", "")); err != nil {
			return err
		}
		if err := tx.AppendAudit(ctx, audit(ctx, pr, now, "permit.updated", p.ID, before, Snapshot(&next))); err != nil {
			return err
		}
		d, err = details(ctx, tx, pr.OrgID, &next)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}
