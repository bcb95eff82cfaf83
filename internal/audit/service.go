package audit

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hsedigital/hse/internal/hse"
)

// Service applies the rules of templates and audits: permissions, scope,
// lifecycle, optimistic concurrency, one transaction per change and an
// audit-trail entry in that same transaction.
type Service struct {
	Store Store
	Now   func() time.Time
}

// now is the service's clock at the microsecond precision both engines
// store, so a change returns what a later read returns.
func (s *Service) now() time.Time { return hse.Now(s.Now) }

func newID() string { return hse.NewID() }

// assignedEvent is the "audit:assigned" event of a scheduled audit: what
// tells the auditor there is work for them. p is nil for the scheduler.
func assignedEvent(p *hse.Principal, orgID string, at time.Time, a *Audit) *hse.Event {
	return hse.NewEvent(p, orgID, at, EventAssigned, "audit", a.ID, map[string]any{"number": a.Number,
		"auditorUserId": a.AuditorUserID, "stationId": a.StationID, "scheduledFor": a.ScheduledFor.Format(time.DateOnly)})
}

// trail builds an audit-trail entry for a principal's change.
func trail(ctx context.Context, p *hse.Principal, at time.Time, action, entityType, id string, before, after map[string]any) *hse.AuditEntry {
	return hse.NewAuditEntry(ctx, p, at, action, entityType, id, before, after)
}

// checkText trims a text field and checks its length and characters.
func checkText(field, v string, min, max int, fs *[]hse.FieldError) string {
	v = strings.TrimSpace(v)
	n := utf8.RuneCountInString(v)
	if n < min || n > max {
		*fs = append(*fs, hse.FieldError{Field: field, Message: fmt.Sprintf("must be %d to %d characters", min, max)})
		return v
	}
	for _, r := range v {
		if unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' {
			*fs = append(*fs, hse.FieldError{Field: field, Message: "must not contain control characters"})
			break
		}
	}
	return v
}

// stale compares an If-Match version with the current one; 0 means the
// client sent none.
func stale(what string, ifMatch, current int64) error {
	if ifMatch != 0 && ifMatch != current {
		return hse.StaleVersion(what, current)
	}
	return nil
}
