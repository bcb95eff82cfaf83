// Package comment keeps the discussion on incidents, actions and permits:
// who said what, and which members they called in (mentions). A comment
// is only as visible as its record: the service asks the record's own
// service whether the caller can see it before reading or writing.
package comment

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hsedigital/hse/internal/hse"
)

// Comment is one remark on a record.
type Comment struct {
	ID           string
	EntityType   string
	EntityID     string
	AuthorUserID string
	Body         string
	Mentions     []string
	CreatedAt    time.Time
	DeletedAt    *time.Time
	DeletedBy    string
}

// Limits of a comment.
const (
	MaxBodyLen  = 10000
	MaxMentions = 20
	MaxPerList  = 500
)

// Target is a kind of record that takes comments.
type Target struct {
	// Find loads the record as the caller sees it: a not-found error when
	// it does not exist or is out of the caller's scope. It returns the
	// record's station, for the event.
	Find func(ctx context.Context, p *hse.Principal, id string) (stationID string, err error)
	// Write lists the permissions of which one lets a member comment:
	// those who work on the record, not those who only read it.
	Write []hse.Permission
}

// Store keeps comments.
type Store interface {
	InTx(ctx context.Context, sc hse.TxScope, fn func(Tx) error) error
}

// Tx is what the service does in one transaction.
type Tx interface {
	hse.EventSink
	CreateComment(ctx context.Context, orgID string, c *Comment) error
	FindComments(ctx context.Context, orgID, entityType, entityID string, limit int) ([]Comment, error)
	FindComment(ctx context.Context, orgID, id string) (*Comment, error)
	DeleteComment(ctx context.Context, orgID, id, by string, at time.Time) error
	NonMembers(ctx context.Context, orgID string, userIDs []string) ([]string, error)
	AppendAudit(ctx context.Context, e *hse.AuditEntry) error
}

// Event types.
const (
	TypeCreated = "comment:created"
	TypeDeleted = "comment:deleted"
)

// Validate trims and checks a new comment's body and mentions.
func Validate(c *Comment) error {
	c.Body = strings.TrimSpace(c.Body)
	var fields []hse.FieldError
	if c.Body == "" || utf8.RuneCountInString(c.Body) > MaxBodyLen {
		fields = append(fields, hse.FieldError{Field: "body", Message: "1 to 10,000 characters"})
	}
	if len(c.Mentions) > MaxMentions {
		fields = append(fields, hse.FieldError{Field: "mentions", Message: "at most 20 members"})
	}
	seen := map[string]bool{}
	out := c.Mentions[:0]
	for _, m := range c.Mentions {
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	c.Mentions = out
	if len(fields) > 0 {
		return hse.Invalid("invalid comment", fields...)
	}
	return nil
}
