package hse

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// NewID returns a new opaque, time-sortable id (UUIDv7).
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// Now reads a service's clock (the wall clock when nil) in UTC at the
// microsecond precision both engines store, so a change returns what a
// later read returns.
func Now(clock func() time.Time) time.Time {
	if clock != nil {
		return clock().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

// NewAuditEntry is the audit-trail entry of a principal's change, with the
// request behind ctx.
func NewAuditEntry(ctx context.Context, p *Principal, at time.Time, action, entityType, entityID string, before, after map[string]any) *AuditEntry {
	m := RequestMetaFrom(ctx)
	return &AuditEntry{ID: NewID(), OrgID: p.OrgID, OccurredAt: at, ActorUserID: p.UserID, ActorEmail: p.Email,
		Action: action, EntityType: entityType, EntityID: entityID, Before: before, After: after,
		IP: m.IP, UserAgent: m.UserAgent, RequestID: m.RequestID}
}
