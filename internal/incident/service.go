package incident

import (
	"context"
	"slices"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Service applies the incident rules: permissions and scope, validation,
// the lifecycle, optimistic concurrency, and the history, audit trail and
// domain events in the same transaction as every change.
//
// Who sees what: incidents:read sees the incidents of the caller's
// stations (all of them for organization-wide roles); whoever reported an
// incident sees it too, which is all a contractor (incidents:report only)
// sees. Reporting needs the station in the caller's scope, except for
// contractors, whose scope is a company rather than stations: they may
// report at any station of the organization. Changing an incident needs
// incidents:investigate (details, recordkeeping, investigation, status
// moves, raising actions) or incidents:close (close, reopen), and its
// station in the caller's scope.
type Service struct {
	Store Store
	Now   func() time.Time
}

func (s *Service) now() time.Time { return hse.Now(s.Now) }

// Snapshot is what the audit trail records of an incident.
func Snapshot(i *Incident) map[string]any {
	m := map[string]any{"number": i.Number, "stationId": i.StationID, "type": i.Type, "severity": i.Severity, "status": i.Status,
		"occurredAt": i.OccurredAt, "description": i.Description, "people": len(i.People), "recordable": i.Record.Recordable,
		"daysAway": i.Record.DaysAway, "daysRestricted": i.Record.DaysRestricted, "version": i.Version}
	for k, v := range map[string]bool{"fatality": i.Record.Fatality, "hospitalised": i.Record.Hospitalised,
		"amputation": i.Record.Amputation, "eyeLoss": i.Record.EyeLoss} {
		if v {
			m[k] = true
		}
	}
	if i.RegulatoryDeadline != nil {
		m["regulatoryDeadline"] = *i.RegulatoryDeadline
	}
	if i.RegulatorReportedAt != nil {
		m["regulatorReportedAt"] = *i.RegulatorReportedAt
	}
	if len(i.Investigation.RootCauses) > 0 {
		m["rootCauses"] = i.Investigation.RootCauses
	}
	if i.ResolvedAt != nil {
		m["resolvedAt"] = *i.ResolvedAt
	}
	if i.InvestigatorUserID != "" {
		m["investigatorUserId"] = i.InvestigatorUserID
	}
	if i.InvestigationDueOn != nil {
		m["investigationDueOn"] = i.InvestigationDueOn.Format(time.DateOnly)
	}
	if i.ClosureReason != "" {
		m["closureReason"] = i.ClosureReason
	}
	return m
}

func audit(ctx context.Context, p *hse.Principal, at time.Time, action, id string, before, after map[string]any) *hse.AuditEntry {
	return hse.NewAuditEntry(ctx, p, at, action, "incident", id, before, after)
}

// requireAccess refuses callers who can neither read nor report incidents.
func requireAccess(p *hse.Principal) error {
	if p.Can(PermRead) || p.Can(PermReport) {
		return nil
	}
	return p.Require(PermRead)
}

// visible reports whether the caller may see an incident.
func visible(p *hse.Principal, i *Incident) bool {
	if i.ReporterUserID != "" && i.ReporterUserID == p.UserID {
		return true
	}
	if !p.Can(PermRead) {
		return false
	}
	return p.Scope.All() || (p.Scope.Kind == hse.ScopeStations && slices.Contains(p.Scope.StationIDs, i.StationID))
}

// restrict narrows a filter to the caller's scope.
func restrict(p *hse.Principal, f *Filter) {
	if p.Can(PermRead) && p.Scope.All() {
		return
	}
	f.Restricted, f.VisibleReporter, f.VisibleStations = true, p.UserID, nil
	if p.Can(PermRead) && p.Scope.Kind == hse.ScopeStations {
		f.VisibleStations = append(f.VisibleStations, p.Scope.StationIDs...)
	}
}

// find loads an incident the caller may see; anything else is not found.
func find(ctx context.Context, tx Tx, p *hse.Principal, id string) (*Incident, error) {
	i, err := tx.FindIncident(ctx, p.OrgID, id)
	if err != nil {
		return nil, err
	}
	if !visible(p, i) {
		return nil, hse.NotFound("incident")
	}
	return i, nil
}

// findToChange loads an incident the caller may change with perm at
// version (0: whatever is current): it must be visible, its station in the
// caller's scope, and the version current.
func findToChange(ctx context.Context, tx Tx, p *hse.Principal, id string, version int64) (*Incident, error) {
	i, err := find(ctx, tx, p, id)
	if err != nil {
		return nil, err
	}
	if !p.Scope.AllowsStation(i.StationID) {
		return nil, hse.NotFound("incident")
	}
	if version != 0 && i.Version != version {
		return nil, hse.StaleVersion("incident", i.Version)
	}
	return i, nil
}

// mayReportAt reports whether the caller's scope lets them report at a
// station: their stations, or any station of the organization for
// contractors (whose scope is a company).
func mayReportAt(p *hse.Principal, stationID string) bool {
	return p.Scope.AllowsStation(stationID) || p.Scope.Kind == hse.ScopeContractor
}

// checkStation refuses a station that is not the organization's or that
// the caller may not report at.
func checkStation(ctx context.Context, tx Tx, p *hse.Principal, id string) error {
	if !mayReportAt(p, id) {
		return hse.NotFound("station")
	}
	ok, err := tx.StationExists(ctx, p.OrgID, id)
	if err != nil {
		return err
	}
	if !ok {
		return hse.NotFound("station")
	}
	return nil
}

// record appends a history entry, the audit entry and the domain events of
// one change, in the change's transaction.
func record(ctx context.Context, tx Tx, p *hse.Principal, e *Event, a *hse.AuditEntry, events ...*hse.Event) error {
	if err := tx.AppendIncidentEvent(ctx, p.OrgID, e); err != nil {
		return err
	}
	if err := tx.AppendAudit(ctx, a); err != nil {
		return err
	}
	for _, ev := range events {
		if err := tx.Emit(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

// history builds a history entry of a principal's change.
func history(p *hse.Principal, i *Incident, at time.Time, kind, from, to, note string) *Event {
	return &Event{ID: hse.NewID(), RecordID: i.ID, At: at, ActorUserID: p.UserID, Kind: kind, FromStatus: from, ToStatus: to, Note: note}
}

// newEvent builds a domain event about an incident.
func newEvent(p *hse.Principal, i *Incident, at time.Time, typ string, payload map[string]any) *hse.Event {
	return hse.NewEvent(p, p.OrgID, at, "incident:"+typ, "incident", i.ID, payload)
}

// deadlineEvent is the incident:deadline_set event that alerts use.
func deadlineEvent(p *hse.Principal, i *Incident, at time.Time) *hse.Event {
	return newEvent(p, i, at, "deadline_set", map[string]any{"number": i.Number, "stationId": i.StationID,
		"deadline": *i.RegulatoryDeadline, "occurredAt": i.OccurredAt, "reason": deadlineReason(i.Record)})
}

// deadlineReason names what makes an incident reportable.
func deadlineReason(r Recordkeeping) string {
	switch {
	case r.Fatality:
		return "fatality"
	case r.Hospitalised:
		return "in-patient hospitalisation"
	case r.Amputation:
		return "amputation"
	case r.EyeLoss:
		return "loss of an eye"
	}
	return ""
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
