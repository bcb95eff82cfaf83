// Package audit is the domain of checklist templates and the audits
// conducted against them: template drafts and immutable published
// versions, scheduling with gap-free numbers, answers saved item by item,
// completion with scoring and findings, cancellation, and the audit plan.
// The pure rules (definitions, scoring) live in internal/checklist; this
// package adds permissions, scope, lifecycle and transactions.
package audit

import (
	"time"

	"github.com/hsedigital/hse/internal/checklist"
	"github.com/hsedigital/hse/internal/hse"
)

// Permissions of this domain (DOMAIN.md's matrix).
const (
	PermFormsRead     hse.Permission = "forms:read"
	PermFormsCreate   hse.Permission = "forms:create"
	PermFormsUpdate   hse.Permission = "forms:update"
	PermFormsPublish  hse.Permission = "forms:publish"
	PermAuditsRead    hse.Permission = "audits:read"
	PermAuditSchedule hse.Permission = "audits:schedule"
	PermAuditConduct  hse.Permission = "audits:conduct"
	PermAuditReview   hse.Permission = "audits:review"
	PermAuditCancel   hse.Permission = "audits:cancel"
)

// Template kinds.
const (
	KindAudit          = "audit"
	KindInspection     = "inspection"
	KindDailyChecklist = "daily_checklist"
)

// Version statuses.
const (
	VersionDraft     = "draft"
	VersionPublished = "published"
)

// Template is a checklist template: a name and its versions. Published
// versions never change; at most one draft is open for editing.
type Template struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Kind        string    `json:"kind" enum:"audit,inspection,daily_checklist"`
	Description string    `json:"description"`
	Version     int64     `json:"version" doc:"changes on every edit; send it back as If-Match"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
	// PublishedVersionID and PublishedNumber name the latest published
	// version ("" and 0 before the first publication).
	PublishedVersionID string `json:"publishedVersionId,omitempty"`
	PublishedNumber    int    `json:"publishedNumber,omitempty"`
	// DraftVersionID names the open draft, if any.
	DraftVersionID string `json:"draftVersionId,omitempty"`
	// ArchivedAt is set while the template is archived: readable, its
	// audits unaffected, but it cannot be scheduled, edited or published.
	ArchivedAt *time.Time `json:"archivedAt,omitempty"`
	ArchivedBy string     `json:"archivedBy,omitempty"`
}

// FormVersion is one version of a template's definition.
type FormVersion struct {
	ID          string               `json:"id"`
	TemplateID  string               `json:"templateId"`
	Number      int                  `json:"number"`
	Status      string               `json:"status" enum:"draft,published"`
	Definition  checklist.Definition `json:"definition"`
	PassMark    float64              `json:"passMark"`
	PublishedAt *time.Time           `json:"publishedAt,omitempty"`
	PublishedBy string               `json:"publishedBy,omitempty"`
	CreatedAt   time.Time            `json:"createdAt"`
}

// TemplateFilter selects templates.
type TemplateFilter struct {
	Kind string
	Q    string // text search on the name
	// Archived selects by archiving: ArchivedExclude (the default),
	// ArchivedOnly or ArchivedInclude.
	Archived string
}

// Values of TemplateFilter.Archived.
const (
	ArchivedExclude = "exclude"
	ArchivedOnly    = "only"
	ArchivedInclude = "include"
)

// Audit statuses: Scheduled → In Progress → Completed → Closed, or
// Cancelled before completion.
const (
	StatusScheduled  = "Scheduled"
	StatusInProgress = "In Progress"
	StatusCompleted  = "Completed"
	StatusClosed     = "Closed"
	StatusCancelled  = "Cancelled"
	// StatusMissed is a Scheduled audit whose window passed unstarted:
	// kept, counted, never silently deleted.
	StatusMissed = "Missed"
)

// Audit is one audit of a station against one published template version.
type Audit struct {
	ID            string
	Number        string
	StationID     string
	StationName   string // read-only, joined
	Region        string // read-only, joined
	FormVersionID string
	TemplateID    string // read-only, joined
	TemplateName  string // read-only, joined
	AuditorName   string // read-only, joined
	VersionNumber int    // read-only, joined
	AuditorUserID string
	Status        string
	ScheduledFor  time.Time // a date: midnight UTC
	StartedAt     *time.Time
	CompletedAt   *time.Time
	ClosedAt      *time.Time
	CancelledAt   *time.Time
	CancelReason  string
	Score         *float64
	Result        string
	Breakdown     *checklist.Result
	// ScheduleID and OccurrenceDate name the schedule occurrence that
	// created the audit (empty for audits scheduled by hand); WindowEnds
	// is the last day it may be started, after which it is Missed.
	ScheduleID     string
	OccurrenceDate *time.Time
	WindowEnds     *time.Time
	MissedAt       *time.Time
	Version        int64
	CreatedBy      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// StoredAnswer is a saved answer with who saved it.
type StoredAnswer struct {
	ItemKey string
	checklist.Answer
	AnsweredBy string
	AnsweredAt time.Time
}

// Finding is a failed item of a completed audit.
type Finding struct {
	ID            string    `json:"id"`
	AuditID       string    `json:"auditId"`
	ItemKey       string    `json:"itemKey"`
	Severity      string    `json:"severity" enum:"Minor,Major,Critical"`
	Observation   string    `json:"observation"`
	AttachmentIDs []string  `json:"attachmentIds"`
	ActionID      string    `json:"actionId,omitempty" doc:"the corrective action raised for the finding"`
	CreatedAt     time.Time `json:"createdAt"`
}

// Details is an audit with everything recorded against it.
type Details struct {
	Audit    *Audit
	Answers  []StoredAnswer
	Findings []Finding
}

// Filter selects audits. Restricted limits the list to Only (the station
// ids of a station-scoped caller; none when empty).
type Filter struct {
	StationID string
	Region    string
	Status    string
	AuditorID string
	Result    string
	Q         string // number or station name
	// Overdue, when set, keeps only the audits that are (true) or are not
	// (false) overdue on Today: Scheduled with a date before that day.
	Overdue       *bool
	Today         time.Time
	ScheduledFrom time.Time
	ScheduledTo   time.Time
	CompletedFrom time.Time
	CompletedTo   time.Time
	Restricted    bool
	Only          []string
}

// Overdue reports whether the audit is still Scheduled on a day after its
// scheduled date (the day it falls due is not yet overdue). An audit in
// progress is being done, so it is not overdue whatever its date.
func (a *Audit) Overdue(at time.Time) bool {
	return a.Status == StatusScheduled && a.ScheduledFor.Before(day(at))
}

// SortFields are the fields the audit list sorts by; scheduledFor is the
// default.
var SortFields = []string{"scheduledFor", "number", "createdAt", "updatedAt"}

// StationRef is what audits need to know of a station.
type StationRef struct {
	ID             string
	Code           string
	Name           string
	Region         string
	Active         bool
	AuditFrequency string
	RiskCategory   string
	ManagerUserIDs []string
	CreatedAt      time.Time
}

// MemberAccess is what a member may do, for checking an assigned auditor.
type MemberAccess struct {
	Permissions hse.PermissionSet
	Scope       hse.Scope
}

// ActionRequest asks for the corrective action of a finding, created in
// the completion transaction.
type ActionRequest struct {
	FindingID   string
	AuditID     string
	AuditNumber string
	StationID   string
	Severity    string
	Title       string
	Description string
	// AssigneeUserID is chosen by the organization's assignment rule
	// ("" leaves the action unassigned).
	AssigneeUserID string
	CreatedBy      string
	At             time.Time
	// Today is the organization's day at At: the due day counts from it.
	Today time.Time
}

// Event types the audit services emit (see hse.Event).
const (
	EventAssigned      = "audit:assigned"
	EventStatusChanged = "audit:status_changed"
)
