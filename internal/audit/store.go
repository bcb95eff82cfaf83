package audit

import (
	"context"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Store opens transactions.
type Store interface {
	InTx(ctx context.Context, sc hse.TxScope, fn func(Tx) error) error
}

// Tx is what the audit services do inside one transaction. Every method
// takes the organization id right after ctx; finders return an hse
// not-found error, never nil, nil.
type Tx interface {
	hse.EventSink
	hse.AttachmentSink
	hse.PrefsReader
	TemplateTx
	AuditTx
	ProgrammeTx
	// NextNumber takes the next number of a series ("AUD-2026"), gap-free.
	NextNumber(ctx context.Context, orgID, series string) (int64, error)
	AppendAudit(ctx context.Context, e *hse.AuditEntry) error
}

// TemplateTx stores templates and their versions.
type TemplateTx interface {
	CreateTemplate(ctx context.Context, orgID string, t *Template) error
	FindTemplate(ctx context.Context, orgID, id string) (*Template, error)
	FindTemplates(ctx context.Context, orgID string, f TemplateFilter, page hse.PageRequest) (hse.Page[Template], error)
	// TouchTemplate bumps the template's version and stores t.UpdatedAt
	// when its version is still expected; otherwise it reports a stale
	// version.
	TouchTemplate(ctx context.Context, orgID string, t *Template, expected int64) error
	// SetTemplateArchived writes t.ArchivedAt and t.ArchivedBy and bumps
	// the version like TouchTemplate.
	SetTemplateArchived(ctx context.Context, orgID string, t *Template, expected int64) error

	CreateVersion(ctx context.Context, orgID string, v *FormVersion) error
	FindVersion(ctx context.Context, orgID, id string) (*FormVersion, error)
	FindVersions(ctx context.Context, orgID, templateID string) ([]FormVersion, error)
	FindDraft(ctx context.Context, orgID, templateID string) (*FormVersion, error)
	FindLatestPublished(ctx context.Context, orgID, templateID string) (*FormVersion, error)
	// UpdateDraft replaces a draft's definition; published versions are
	// never touched.
	UpdateDraft(ctx context.Context, orgID string, v *FormVersion) error
	PublishVersion(ctx context.Context, orgID string, v *FormVersion) error
}

// AuditTx stores audits, answers and findings.
type AuditTx interface {
	FindStation(ctx context.Context, orgID, id string) (*StationRef, error)
	FindMemberAccess(ctx context.Context, orgID, userID string) (*MemberAccess, error)

	CreateAudit(ctx context.Context, orgID string, a *Audit) error
	FindAudit(ctx context.Context, orgID, id string) (*Audit, error)
	// LockAudit loads an audit for a change, holding its row until the
	// transaction ends so concurrent changes of one audit queue.
	LockAudit(ctx context.Context, orgID, id string) (*Audit, error)
	// UpdateAudit writes the lifecycle fields and bumps the version when
	// it is still a.Version; it sets a.Version to the new one.
	UpdateAudit(ctx context.Context, orgID string, a *Audit) error
	FindAudits(ctx context.Context, orgID string, f Filter, page hse.PageRequest) (hse.Page[Audit], error)
	// EachAudit calls fn with every audit of the list in page's order,
	// through one query whose rows stream from a database cursor; an
	// error from fn stops it.
	EachAudit(ctx context.Context, orgID string, f Filter, page hse.PageRequest, fn func(*Audit) error) error

	PutAnswer(ctx context.Context, orgID, auditID string, a *StoredAnswer) error
	FindAnswers(ctx context.Context, orgID, auditID string) ([]StoredAnswer, error)

	CreateFinding(ctx context.Context, orgID string, f *Finding) error
	FindFindings(ctx context.Context, orgID, auditID string) ([]Finding, error)
	// CreateCorrectiveAction raises the corrective action of a finding and
	// returns its id ("" while corrective actions are not available).
	CreateCorrectiveAction(ctx context.Context, orgID string, r ActionRequest) (string, error)
	// CountOpenActions counts the audit's corrective actions not yet
	// Verified.
	CountOpenActions(ctx context.Context, orgID, auditID string) (int, error)

	FindPlanRows(ctx context.Context, orgID string, restricted bool, only []string, now time.Time) ([]PlanRow, error)
	// FindPlanPage is FindPlanRows for the stations of one region (""
	// for all), after station code after, at most limit (0: all).
	FindPlanPage(ctx context.Context, orgID string, restricted bool, only []string, f PlanFilter) ([]PlanRow, error)
}

// PlanFilter narrows the plan: one region, and a page of stations in code
// order (a network of 10,000 stations is not one answer).
type PlanFilter struct {
	Region string
	After  string // station code of the previous page's last station
	Limit  int
}
