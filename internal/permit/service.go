package permit

import (
	"context"
	"slices"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Service applies the permit rules: permissions, scope, the lifecycle and
// its checks, optimistic concurrency, and the history, audit trail and
// domain events in the same transaction as every change.
type Service struct {
	Store Store
	Now   func() time.Time
}

func (s *Service) now() time.Time { return hse.Now(s.Now) }

// EntityType names permits in the audit trail, attachment links and
// events ("work_permit" is the event prefix of the earlier product).
const (
	EntityType      = "permit"
	EventEntityType = "work_permit"
)

// Event types emitted to the outbox.
const (
	EventTypeCreated       = "work_permit:created"
	EventTypeStatusChanged = "work_permit:status_changed"
	EventTypeExtended      = "work_permit:extended"
	EventTypeExpired       = "work_permit:expired"
	// EventTypeSuspended tells the issuer (payload notify) that Active
	// work was stopped: a missed or failed gas re-test.
	EventTypeSuspended = "work_permit:suspended"
)

func audit(ctx context.Context, p *hse.Principal, at time.Time, action, id string, before, after map[string]any) *hse.AuditEntry {
	return hse.NewAuditEntry(ctx, p, at, action, EntityType, id, before, after)
}

// Snapshot is what the audit trail records of a permit.
func Snapshot(p *Permit) map[string]any {
	m := map[string]any{"number": p.Number, "type": p.Type, "typeKey": p.TypeKey, "typeVersion": p.TypeVersion, "stationId": p.StationID, "status": p.Status,
		"requestedBy": p.RequestedBy, "description": p.Description, "location": p.Location,
		"validFrom": p.ValidFrom.UTC().Format(time.RFC3339), "validTo": p.ValidTo.UTC().Format(time.RFC3339), "version": p.Version}
	for k, v := range map[string]string{"contractorId": p.ContractorID, "approvedBy": p.ApprovedBy, "activatedBy": p.ActivatedBy,
		"closedBy": p.ClosedBy, "closeNotes": p.CloseNotes, "reason": p.Reason, "suspensionReason": p.SuspensionReason} {
		if v != "" {
			m[k] = v
		}
	}
	if len(p.AttachmentIDs) > 0 {
		m["attachmentIds"] = p.AttachmentIDs
	}
	return m
}

// visible reports whether the caller's scope reaches a permit: the whole
// organization, the permits of their stations, or their company's.
func visible(pr *hse.Principal, p *Permit) bool {
	switch {
	case pr.Scope.All():
		return true
	case pr.Scope.Kind == hse.ScopeStations:
		return slices.Contains(pr.Scope.StationIDs, p.StationID)
	case pr.Scope.Kind == hse.ScopeContractor:
		return pr.Scope.ContractorID != "" && p.ContractorID == pr.Scope.ContractorID
	}
	return false
}

// restrict narrows a filter to the caller's scope.
func restrict(pr *hse.Principal, f *Filter) {
	if pr.Scope.All() {
		return
	}
	f.Restricted, f.VisibleStations, f.VisibleCompany = true, nil, ""
	switch pr.Scope.Kind {
	case hse.ScopeStations:
		f.VisibleStations = append(f.VisibleStations, pr.Scope.StationIDs...)
	case hse.ScopeContractor:
		f.VisibleCompany = pr.Scope.ContractorID
	}
}

// stationAllowed reports whether the caller may request work at a station:
// their own stations, or any station for contractor staff (they work
// wherever they are hired; they see only their company's permits).
func stationAllowed(pr *hse.Principal, stationID string) bool {
	return pr.Scope.Kind == hse.ScopeContractor || pr.Scope.AllowsStation(stationID)
}

// find loads a permit the caller may see; anything else is not found.
func find(ctx context.Context, tx Tx, pr *hse.Principal, id string) (*Permit, error) {
	p, err := tx.FindPermit(ctx, pr.OrgID, id)
	if err != nil {
		return nil, err
	}
	if !visible(pr, p) {
		return nil, hse.NotFound("permit")
	}
	return p, nil
}

// details loads what the rules and the API show of a permit: the rules
// of its type's version, every mandatory precaution of that version,
// confirmed or not, the gas tests, the extensions and the isolations.
func details(ctx context.Context, tx Tx, orgID string, p *Permit) (*Details, error) {
	r, err := tx.FindTypeVersion(ctx, orgID, p.TypeKey, p.TypeVersion)
	if err != nil {
		return nil, err
	}
	stored, err := tx.FindPrecautions(ctx, orgID, p.ID)
	if err != nil {
		return nil, err
	}
	d := &Details{Permit: p, Rule: *r}
	for _, def := range r.Precautions {
		pc := Precaution{Key: def.Key, Label: def.Label}
		for _, s := range stored {
			if s.Key == def.Key {
				pc.Confirmed, pc.ConfirmedBy, pc.ConfirmedAt, pc.Note = s.Confirmed, s.ConfirmedBy, s.ConfirmedAt, s.Note
			}
		}
		d.Precautions = append(d.Precautions, pc)
	}
	if d.GasTests, err = tx.FindGasTests(ctx, orgID, p.ID); err != nil {
		return nil, err
	}
	if d.Extensions, err = tx.FindExtensions(ctx, orgID, p.ID); err != nil {
		return nil, err
	}
	if d.Isolations, err = tx.FindIsolations(ctx, orgID, p.ID); err != nil {
		return nil, err
	}
	return d, nil
}

// event builds a history entry of a principal's change (pr nil: the
// system).
func event(pr *hse.Principal, p *Permit, at time.Time, kind, from, to, note string) *Event {
	e := &Event{ID: hse.NewID(), RecordID: p.ID, At: at, Kind: kind, FromStatus: from, ToStatus: to, Note: note}
	if pr != nil {
		e.ActorUserID = pr.UserID
	}
	return e
}

// bump writes the next version of a permit, changed by edit, with its
// history entries.
func bump(ctx context.Context, tx Tx, orgID string, p *Permit, at time.Time, events ...*Event) error {
	cur := p.Version
	p.Version, p.UpdatedAt = cur+1, at
	if err := tx.UpdatePermit(ctx, orgID, p, cur); err != nil {
		return err
	}
	for _, e := range events {
		if err := tx.AppendPermitEvent(ctx, orgID, e); err != nil {
			return err
		}
	}
	return nil
}
