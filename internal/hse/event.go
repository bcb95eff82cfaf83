package hse

import (
	"context"
	"time"
)

// Event is a domain event: something that happened to tenant data that
// other parts of the system (notifications, webhooks, the browser feed)
// may react to. Services emit events inside the transaction of the change,
// into an outbox, so an event exists exactly when its change committed.
//
// Type names follow the earlier product's real-time events:
// "<entity>:<what>", for example "incident:created",
// "work_permit:status_changed", "audit:assigned", "action:overdue".
type Event struct {
	ID          string         `json:"id"`
	OrgID       string         `json:"organizationId"`
	Type        string         `json:"type"`
	EntityType  string         `json:"entityType"`
	EntityID    string         `json:"entityId"`
	ActorUserID string         `json:"actorUserId,omitempty"`
	OccurredAt  time.Time      `json:"occurredAt"`
	Payload     map[string]any `json:"payload,omitempty"`
}

// EventSink takes events inside a service's transaction. Every domain
// transaction (the Tx interfaces of the services) embeds it.
type EventSink interface {
	Emit(ctx context.Context, e *Event) error
}

// NewEvent is the event of a principal's change. p may be nil for the
// system's own changes (jobs); the organization then comes from orgID.
func NewEvent(p *Principal, orgID string, at time.Time, typ, entityType, entityID string, payload map[string]any) *Event {
	e := &Event{ID: NewID(), OrgID: orgID, Type: typ, EntityType: entityType, EntityID: entityID, OccurredAt: at, Payload: payload}
	if p != nil {
		e.ActorUserID = p.UserID
		if e.OrgID == "" {
			e.OrgID = p.OrgID
		}
	}
	return e
}

// StatusChange is the payload of a "<entity>:status_changed" event.
func StatusChange(number, from, to string, extra map[string]any) map[string]any {
	m := map[string]any{"number": number, "from": from, "to": to}
	for k, v := range extra {
		m[k] = v
	}
	return m
}
