// Package capa is the corrective and preventive actions domain: actions
// raised from audit findings, incidents, permits or by hand, their
// lifecycle Open → In Progress → Completed → Verified (or back to In
// Progress when verification fails), and their history.
package capa

import (
	"context"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Statuses of an action.
const (
	StatusOpen       = "Open"
	StatusInProgress = "In Progress"
	StatusCompleted  = "Completed"
	StatusVerified   = "Verified"
)

// Statuses lists the statuses in lifecycle order.
var Statuses = []string{StatusOpen, StatusInProgress, StatusCompleted, StatusVerified}

// Sources of an action.
const (
	SourceFinding  = "finding"
	SourceIncident = "incident"
	SourcePermit   = "permit"
	SourceManual   = "manual"
)

// SourceTypes lists the sources.
var SourceTypes = []string{SourceFinding, SourceIncident, SourcePermit, SourceManual}

// Priorities and severities.
var (
	Priorities = []string{"Low", "Medium", "High", "Critical"}
	Severities = []string{"Minor", "Major", "Critical"}
)

// EscalationDays is how long overdue an action is before it escalates to
// the station's managers and the compliance managers.
const EscalationDays = 7

// Action is one corrective or preventive action.
type Action struct {
	ID              string
	Number          string // CA-<year>-<seq>, per organization
	SourceType      string
	SourceID        string
	AuditID         string // set for actions of audit findings
	StationID       string
	Title           string
	Description     string
	AssigneeUserID  string
	StationName     string    // read-only, in lists
	AssigneeName    string    // read-only, in lists
	DueOn           time.Time // a day: UTC midnight
	Priority        string
	Severity        string // "" when not rated
	Status          string
	CompletedBy     string
	CompletedAt     *time.Time
	CompletionNotes string
	VerifiedBy      string
	VerifiedAt      *time.Time
	Version         int64
	CreatedBy       string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Overdue reports whether the action is past its due day on the day of
// at and not yet done.
func (a *Action) Overdue(at time.Time) bool {
	return (a.Status == StatusOpen || a.Status == StatusInProgress) && a.DueOn.Before(Day(at))
}

// Escalated reports whether the action is EscalationDays or more overdue.
func (a *Action) Escalated(at time.Time) bool {
	return a.Overdue(at) && !a.DueOn.After(Day(at).AddDate(0, 0, -EscalationDays))
}

// Event kinds of an action's history.
const (
	EventCreated            = "created"
	EventAssigned           = "assigned"
	EventStatusChanged      = "status_changed"
	EventDueChanged         = "due_changed"
	EventUpdated            = "updated"
	EventVerificationFailed = "verification_failed"
)

// Event is one entry of an action's history.
type Event = hse.HistoryEntry

// Filter selects actions of one organization.
type Filter struct {
	Status     string
	Priority   string
	StationID  string
	SourceType string
	SourceID   string
	AssigneeID string
	AuditID    string
	DueFrom    *time.Time // inclusive days
	DueTo      *time.Time
	Q          string // matches number or title
	// Overdue: due before Today and not Completed or Verified;
	// Escalated: due EscalationDays or more before Today.
	Overdue   bool
	Escalated bool
	Today     time.Time
	// Visible, when Restricted, limits the list to actions of these
	// stations or assigned to VisibleAssignee: the caller's scope.
	Restricted      bool
	VisibleStations []string
	VisibleAssignee string
}

// SortFields of the action list.
var SortFields = []string{"dueOn", "createdAt", "priority", "number"}

// Permissions of the actions resource.
const (
	PermRead     hse.Permission = "actions:read"
	PermCreate   hse.Permission = "actions:create"
	PermUpdate   hse.Permission = "actions:update"
	PermComplete hse.Permission = "actions:complete"
	PermVerify   hse.Permission = "actions:verify"
)

// Store opens transactions.
type Store interface {
	InTx(ctx context.Context, sc hse.TxScope, fn func(Tx) error) error
}

// Tx is what the action services do inside one transaction.
type Tx interface {
	hse.EventSink
	hse.AttachmentSink
	// CreateAction numbers and stores a prepared action with its
	// "created" event and audit entry.
	CreateAction(ctx context.Context, orgID string, a *Action) error
	FindAction(ctx context.Context, orgID, id string) (*Action, error)
	FindActions(ctx context.Context, orgID string, f Filter, page hse.PageRequest) (hse.Page[Action], error)
	// UpdateAction writes a if its stored version is still version;
	// otherwise it returns hse.StaleVersion.
	UpdateAction(ctx context.Context, orgID string, a *Action, version int64) error
	AppendActionEvent(ctx context.Context, orgID string, e *Event) error
	FindActionEvents(ctx context.Context, orgID, actionID string) ([]Event, error)
	// CloseAuditIfAllVerified closes a Completed audit whose actions are
	// all Verified, and reports whether it did.
	CloseAuditIfAllVerified(ctx context.Context, orgID, auditID string, at time.Time) (bool, error)
	// StationExists reports whether the organization has the station.
	StationExists(ctx context.Context, orgID, id string) (bool, error)
	NonMembers(ctx context.Context, orgID string, userIDs []string) ([]string, error)
	AppendAudit(ctx context.Context, e *hse.AuditEntry) error
}
