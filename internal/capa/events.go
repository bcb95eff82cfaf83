package capa

import "time"

// Event types the action services emit (see hse.Event). TypeOverdue and
// TypeEscalated come from the overdue job, once per action each.
const (
	TypeCreated       = "action:created"
	TypeUpdated       = "action:updated"
	TypeAssigned      = "action:assigned"
	TypeStatusChanged = "action:status_changed"
	TypeOverdue       = "action:overdue"
	TypeEscalated     = "action:escalated"
)

// EventPayload is what an action's events carry: enough for a
// notification to name the action and find who to tell.
func EventPayload(a *Action) map[string]any {
	m := map[string]any{"number": a.Number, "title": a.Title, "status": a.Status,
		"priority": a.Priority, "dueOn": a.DueOn.Format(time.DateOnly), "sourceType": a.SourceType}
	for k, v := range map[string]string{"assigneeUserId": a.AssigneeUserID, "stationId": a.StationID, "sourceId": a.SourceID} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}
