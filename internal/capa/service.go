package capa

import (
	"context"
	"slices"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Service applies the action rules: permissions, scope, the lifecycle,
// optimistic concurrency, and the history and audit trail in the same
// transaction as every change.
type Service struct {
	Store Store
	Now   func() time.Time
}

func (s *Service) now() time.Time { return hse.Now(s.Now) }

func newID() string { return hse.NewID() }

func audit(ctx context.Context, p *hse.Principal, at time.Time, action, id string, before, after map[string]any) *hse.AuditEntry {
	return hse.NewAuditEntry(ctx, p, at, action, "action", id, before, after)
}

// Snapshot is what the audit trail records of an action.
func Snapshot(a *Action) map[string]any {
	m := map[string]any{"number": a.Number, "title": a.Title, "status": a.Status, "priority": a.Priority,
		"dueOn": a.DueOn.Format(time.DateOnly), "sourceType": a.SourceType, "version": a.Version}
	for k, v := range map[string]string{"assigneeUserId": a.AssigneeUserID, "severity": a.Severity, "stationId": a.StationID,
		"sourceId": a.SourceID, "auditId": a.AuditID, "completedBy": a.CompletedBy, "verifiedBy": a.VerifiedBy} {
		if v != "" {
			m[k] = v
		}
	}
	if a.CompletionNotes != "" {
		m["completionNotes"] = a.CompletionNotes
	}
	return m
}

// visible reports whether the caller's scope reaches an action: the whole
// organization, the actions of their stations, and those assigned to them.
func visible(p *hse.Principal, a *Action) bool {
	if p.Scope.All() || (a.AssigneeUserID != "" && a.AssigneeUserID == p.UserID) {
		return true
	}
	return p.Scope.Kind == hse.ScopeStations && a.StationID != "" && slices.Contains(p.Scope.StationIDs, a.StationID)
}

// restrict narrows a filter to the caller's scope.
func restrict(p *hse.Principal, f *Filter) {
	if p.Scope.All() {
		return
	}
	f.Restricted, f.VisibleAssignee, f.VisibleStations = true, p.UserID, nil
	if p.Scope.Kind == hse.ScopeStations {
		f.VisibleStations = append(f.VisibleStations, p.Scope.StationIDs...)
	}
}

// find loads an action the caller may see; anything else is not found.
func find(ctx context.Context, tx Tx, p *hse.Principal, id string) (*Action, error) {
	a, err := tx.FindAction(ctx, p.OrgID, id)
	if err != nil {
		return nil, err
	}
	if !visible(p, a) {
		return nil, hse.NotFound("action")
	}
	return a, nil
}

// checkAssignee refuses an assignee who is not a member.
func checkAssignee(ctx context.Context, tx Tx, orgID, userID string) error {
	if userID == "" {
		return nil
	}
	nm, err := tx.NonMembers(ctx, orgID, []string{userID})
	if err != nil {
		return err
	}
	if len(nm) > 0 {
		return hse.Invalid("the assignee must be a member", hse.FieldError{Field: "assigneeId", Message: "not a member of this organization"})
	}
	return nil
}

// event builds a history entry of a principal's change.
func event(p *hse.Principal, a *Action, at time.Time, kind, from, to, note string) *Event {
	return &Event{ID: newID(), RecordID: a.ID, At: at, ActorUserID: p.UserID, Kind: kind, FromStatus: from, ToStatus: to, Note: note}
}
