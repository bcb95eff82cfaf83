package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/hsedigital/hse/internal/audit"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/identity"
)

// AuditStore implements audit.Store (templates and audits) on this
// database.
type AuditStore struct{ db *DB }

// Audits returns the audit store.
func (db *DB) Audits() *AuditStore { return &AuditStore{db: db} }

// InTx runs fn in one transaction scoped as sc.
func (s *AuditStore) InTx(ctx context.Context, sc hse.TxScope, fn func(audit.Tx) error) error {
	return s.db.InTx(ctx, Scope{OrgID: sc.OrgID, UserID: sc.UserID, ReadOnly: sc.ReadOnly}, func(tx *Tx) error {
		return fn(auditTx{tx})
	})
}

// auditTx implements audit.Tx. Its methods are spread over forms.go
// (templates and versions), audits.go and findings.go.
type auditTx struct{ *Tx }

var _ audit.Tx = auditTx{}

// TemplateTxOf returns the template store of a signup transaction, so the
// starter templates are created in the same transaction as the
// organization. The identity transaction of this package wraps a *Tx;
// reaching through it here keeps identity.Tx free of template methods.
func TemplateTxOf(tx identity.Tx) (audit.TemplateTx, bool) {
	it, ok := tx.(identityTx)
	if !ok {
		return nil, false
	}
	return auditTx{it.Tx}, true
}

// StarterTemplates is the signup hook that gives every new organization
// the starter checklist templates, published, in the signup transaction.
func (s *AuditStore) StarterTemplates() identity.OrgInitializer {
	return func(ctx context.Context, tx identity.Tx, org *identity.Organization, ownerID string) error {
		ttx, ok := TemplateTxOf(tx)
		if !ok {
			return errors.New("starter templates: the signup transaction is not one of this store")
		}
		return audit.InstallStarters(ctx, ttx, org.ID, ownerID, org.CreatedAt)
	}
}

// templateSelect is a template with its latest published version and its
// draft, wrapped so that list filters and keyset pagination name plain
// columns.
const templateSelect = `SELECT id, name, kind, description, version, created_at, updated_at, published_id, published_number, draft_id,
	archived_at, archived_by FROM (
	SELECT t.organization_id, t.id, t.name, t.kind, t.description, t.version, t.created_at, t.updated_at, t.archived_at, t.archived_by,
		(SELECT v.id FROM form_versions v WHERE v.organization_id = t.organization_id AND v.template_id = t.id
			AND v.status = 'published' ORDER BY v.number DESC LIMIT 1) AS published_id,
		(SELECT MAX(v.number) FROM form_versions v WHERE v.organization_id = t.organization_id AND v.template_id = t.id
			AND v.status = 'published') AS published_number,
		(SELECT v.id FROM form_versions v WHERE v.organization_id = t.organization_id AND v.template_id = t.id
			AND v.status = 'draft') AS draft_id
	FROM form_templates t) ft`

func scanTemplate(row interface{ Scan(...any) error }) (*audit.Template, error) {
	var t audit.Template
	var pub, draft sql.NullString
	var num sql.NullInt64
	var archivedAt sql.NullTime
	var archivedBy sql.NullString
	if err := row.Scan(&t.ID, &t.Name, &t.Kind, &t.Description, &t.Version, &t.CreatedAt, &t.UpdatedAt, &pub, &num, &draft,
		&archivedAt, &archivedBy); err != nil {
		return nil, err
	}
	t.ArchivedAt, t.ArchivedBy = timePtr(archivedAt), archivedBy.String
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	t.PublishedVersionID, t.PublishedNumber, t.DraftVersionID = pub.String, int(num.Int64), draft.String
	return &t, nil
}

func (t auditTx) CreateTemplate(ctx context.Context, orgID string, tp *audit.Template) error {
	_, err := t.Exec(ctx, `INSERT INTO form_templates (organization_id, id, name, kind, description, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, orgID, tp.ID, tp.Name, tp.Kind, tp.Description, tp.Version, utc(tp.CreatedAt), utc(tp.UpdatedAt))
	return err
}

func (t auditTx) FindTemplate(ctx context.Context, orgID, id string) (*audit.Template, error) {
	tp, err := scanTemplate(t.QueryRow(ctx, templateSelect+` WHERE organization_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return nil, notFound(err, "form template")
	}
	return tp, nil
}

var templateSorts = map[string]sortKey{
	"":          {expr: "name", kind: sortText, of: func(r any) string { return r.(*audit.Template).Name }},
	"name":      {expr: "name", kind: sortText, of: func(r any) string { return r.(*audit.Template).Name }},
	"createdAt": {expr: "created_at", kind: sortTime, of: func(r any) string { return timeKey(r.(*audit.Template).CreatedAt) }},
	"updatedAt": {expr: "updated_at", kind: sortTime, of: func(r any) string { return timeKey(r.(*audit.Template).UpdatedAt) }},
}

func (t auditTx) FindTemplates(ctx context.Context, orgID string, f audit.TemplateFilter, page hse.PageRequest) (hse.Page[audit.Template], error) {
	w := newWhere("organization_id = ?", orgID)
	w.addIf(f.Kind != "", "kind = ?", f.Kind)
	switch f.Archived {
	case audit.ArchivedInclude:
	case audit.ArchivedOnly:
		w.add("archived_at IS NOT NULL")
	default:
		w.add("archived_at IS NULL")
	}
	if f.Q != "" {
		w.add(`LOWER(name) LIKE ? ESCAPE '\'`, likePattern(f.Q))
	}
	return findPage(ctx, t.Tx, templateSelect, w, templateSorts[page.Sort], page, scanTemplate,
		func(tp *audit.Template) string { return tp.ID })
}

func (t auditTx) TouchTemplate(ctx context.Context, orgID string, tp *audit.Template, expected int64) error {
	res, err := t.Exec(ctx, `UPDATE form_templates SET version = version + 1, updated_at = ?
		WHERE organization_id = ? AND id = ? AND version = ?`, utc(tp.UpdatedAt), orgID, tp.ID, expected)
	if err := t.expectVersion(ctx, res, err, "form_templates", "form template", orgID, tp.ID); err != nil {
		return err
	}
	tp.Version = expected + 1
	return nil
}

// SetTemplateArchived writes the archiving fields with the version check
// of TouchTemplate.
func (t auditTx) SetTemplateArchived(ctx context.Context, orgID string, tp *audit.Template, expected int64) error {
	res, err := t.Exec(ctx, `UPDATE form_templates SET archived_at = ?, archived_by = ?, version = version + 1, updated_at = ?
		WHERE organization_id = ? AND id = ? AND version = ?`, nullTime(tp.ArchivedAt), nullString(tp.ArchivedBy), utc(tp.UpdatedAt),
		orgID, tp.ID, expected)
	if err := t.expectVersion(ctx, res, err, "form_templates", "form template", orgID, tp.ID); err != nil {
		return err
	}
	tp.Version = expected + 1
	return nil
}

const versionColumns = `id, template_id, number, status, definition, pass_mark, published_at, published_by, created_at`

func scanVersion(row interface{ Scan(...any) error }) (*audit.FormVersion, error) {
	var v audit.FormVersion
	var def nullJSON
	var pubAt sql.NullTime
	var pubBy sql.NullString
	if err := row.Scan(&v.ID, &v.TemplateID, &v.Number, &v.Status, &def, &v.PassMark, &pubAt, &pubBy, &v.CreatedAt); err != nil {
		return nil, err
	}
	v.PublishedAt, v.PublishedBy, v.CreatedAt = timePtr(pubAt), pubBy.String, v.CreatedAt.UTC()
	return &v, jsonScan(def.NullString, &v.Definition)
}

func (t auditTx) CreateVersion(ctx context.Context, orgID string, v *audit.FormVersion) error {
	def, err := jsonParam(v.Definition)
	if err != nil {
		return err
	}
	_, err = t.Exec(ctx, `INSERT INTO form_versions (organization_id, `+versionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		orgID, v.ID, v.TemplateID, v.Number, v.Status, def, v.PassMark, nullTime(v.PublishedAt), nullString(v.PublishedBy), utc(v.CreatedAt))
	if isUniqueViolation(err) {
		return hse.Conflict("DRAFT_EXISTS", "the template was changed at the same time; reload it and try again")
	}
	return err
}

func (t auditTx) FindVersion(ctx context.Context, orgID, id string) (*audit.FormVersion, error) {
	v, err := scanVersion(t.QueryRow(ctx, `SELECT `+versionColumns+` FROM form_versions WHERE organization_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return nil, notFound(err, "form version")
	}
	return v, nil
}

func (t auditTx) FindVersions(ctx context.Context, orgID, templateID string) ([]audit.FormVersion, error) {
	rows, err := t.Query(ctx, `SELECT `+versionColumns+` FROM form_versions WHERE organization_id = ? AND template_id = ?
		ORDER BY number DESC`, orgID, templateID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.FormVersion
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, rows.Err()
}

func (t auditTx) FindDraft(ctx context.Context, orgID, templateID string) (*audit.FormVersion, error) {
	v, err := scanVersion(t.QueryRow(ctx, `SELECT `+versionColumns+` FROM form_versions
		WHERE organization_id = ? AND template_id = ? AND status = 'draft'`, orgID, templateID))
	if err != nil {
		return nil, notFound(err, "draft")
	}
	return v, nil
}

func (t auditTx) FindLatestPublished(ctx context.Context, orgID, templateID string) (*audit.FormVersion, error) {
	v, err := scanVersion(t.QueryRow(ctx, `SELECT `+versionColumns+` FROM form_versions
		WHERE organization_id = ? AND template_id = ? AND status = 'published' ORDER BY number DESC LIMIT 1`, orgID, templateID))
	if err != nil {
		return nil, notFound(err, "published form version")
	}
	return v, nil
}

// UpdateDraft only ever matches a draft: published versions are immutable.
func (t auditTx) UpdateDraft(ctx context.Context, orgID string, v *audit.FormVersion) error {
	def, err := jsonParam(v.Definition)
	if err != nil {
		return err
	}
	res, err := t.Exec(ctx, `UPDATE form_versions SET definition = ?, pass_mark = ?
		WHERE organization_id = ? AND id = ? AND status = 'draft'`, def, v.PassMark, orgID, v.ID)
	return expectOne(res, err, "draft")
}

func (t auditTx) PublishVersion(ctx context.Context, orgID string, v *audit.FormVersion) error {
	res, err := t.Exec(ctx, `UPDATE form_versions SET status = 'published', pass_mark = ?, published_at = ?, published_by = ?
		WHERE organization_id = ? AND id = ? AND status = 'draft'`, v.PassMark, nullTime(v.PublishedAt), v.PublishedBy, orgID, v.ID)
	return expectOne(res, err, "draft")
}
