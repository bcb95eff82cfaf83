package hse

import (
	"strings"
	"time"
)

// AuditEntry is one line of the append-only audit trail: a change to tenant
// data or a security event.
type AuditEntry struct {
	ID          string         `json:"id"`
	OrgID       string         `json:"organizationId,omitempty"`
	OccurredAt  time.Time      `json:"occurredAt"`
	ActorUserID string         `json:"actorUserId,omitempty"`
	ActorEmail  string         `json:"actorEmail,omitempty"`
	Action      string         `json:"action"`
	EntityType  string         `json:"entityType,omitempty"`
	EntityID    string         `json:"entityId,omitempty"`
	Before      map[string]any `json:"before,omitempty"`
	After       map[string]any `json:"after,omitempty"`
	IP          string         `json:"ip,omitempty"`
	UserAgent   string         `json:"userAgent,omitempty"`
	RequestID   string         `json:"requestId,omitempty"`
}

// AuditFilter selects audit entries of one organization.
type AuditFilter struct {
	Action     string
	ActorID    string
	EntityType string
	EntityID   string
	From, To   time.Time
	Cursor     string // the id of the last entry of the previous page
	Limit      int
}

// secretKey matches field names whose values never enter the audit trail.
func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range []string{"password", "secret", "token", "hash", "apikey", "api_key"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// Redact returns a copy of m with secret-looking fields replaced, at any
// depth.
func Redact(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if secretKey(k) {
			out[k] = "[redacted]"
			continue
		}
		switch t := v.(type) {
		case map[string]any:
			out[k] = Redact(t)
		default:
			out[k] = v
		}
	}
	return out
}
