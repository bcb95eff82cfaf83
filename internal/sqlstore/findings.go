package sqlstore

import (
	"context"
	"database/sql"

	"github.com/hsedigital/hse/internal/audit"
	"github.com/hsedigital/hse/internal/capa"
)

// PutAnswer saves one item's answer, replacing an earlier one: saving the
// same answer twice is the same as saving it once.
func (t auditTx) PutAnswer(ctx context.Context, orgID, auditID string, a *audit.StoredAnswer) error {
	att, err := jsonParam(orEmpty(a.AttachmentIDs))
	if err != nil {
		return err
	}
	var value any
	if len(a.Value) > 0 {
		value = string(a.Value)
	}
	_, err = t.Exec(ctx, `INSERT INTO audit_answers (organization_id, audit_id, item_key, value, note, attachment_ids, severity, answered_by, answered_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (organization_id, audit_id, item_key) DO UPDATE SET value = excluded.value, note = excluded.note,
			attachment_ids = excluded.attachment_ids, severity = excluded.severity, answered_by = excluded.answered_by,
			answered_at = excluded.answered_at`,
		orgID, auditID, a.ItemKey, value, a.Note, att, nullString(a.Severity), a.AnsweredBy, utc(a.AnsweredAt))
	return err
}

func (t auditTx) FindAnswers(ctx context.Context, orgID, auditID string) ([]audit.StoredAnswer, error) {
	rows, err := t.Query(ctx, `SELECT item_key, value, note, attachment_ids, severity, answered_by, answered_at FROM audit_answers
		WHERE organization_id = ? AND audit_id = ? ORDER BY item_key`, orgID, auditID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []audit.StoredAnswer{}
	for rows.Next() {
		var a audit.StoredAnswer
		var value, att nullJSON
		var sev sql.NullString
		if err := rows.Scan(&a.ItemKey, &value, &a.Note, &att, &sev, &a.AnsweredBy, &a.AnsweredAt); err != nil {
			return nil, err
		}
		if value.Valid {
			a.Value = []byte(value.String)
		}
		a.Severity, a.AnsweredAt = sev.String, a.AnsweredAt.UTC()
		if err := jsonScan(att.NullString, &a.AttachmentIDs); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (t auditTx) CreateFinding(ctx context.Context, orgID string, f *audit.Finding) error {
	att, err := jsonParam(orEmpty(f.AttachmentIDs))
	if err != nil {
		return err
	}
	_, err = t.Exec(ctx, `INSERT INTO findings (organization_id, id, audit_id, item_key, severity, observation, attachment_ids, action_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, orgID, f.ID, f.AuditID, f.ItemKey, f.Severity, f.Observation, att, nullString(f.ActionID), utc(f.CreatedAt))
	return err
}

func (t auditTx) FindFindings(ctx context.Context, orgID, auditID string) ([]audit.Finding, error) {
	rows, err := t.Query(ctx, `SELECT id, audit_id, item_key, severity, observation, attachment_ids, action_id, created_at FROM findings
		WHERE organization_id = ? AND audit_id = ? ORDER BY created_at, id`, orgID, auditID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []audit.Finding{}
	for rows.Next() {
		var f audit.Finding
		var att nullJSON
		var action sql.NullString
		if err := rows.Scan(&f.ID, &f.AuditID, &f.ItemKey, &f.Severity, &f.Observation, &att, &action, &f.CreatedAt); err != nil {
			return nil, err
		}
		f.ActionID, f.CreatedAt, f.AttachmentIDs = action.String, f.CreatedAt.UTC(), []string{}
		if err := jsonScan(att.NullString, &f.AttachmentIDs); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// CreateCorrectiveAction raises the corrective action of a finding in the
// completion transaction (through createAction, so it is numbered, due by
// severity and recorded like any other action) and links it to the
// finding. The audit service chose its assignee by the organization's
// rule; compliance managers can reassign it.
func (t auditTx) CreateCorrectiveAction(ctx context.Context, orgID string, r audit.ActionRequest) (string, error) {
	a := &capa.Action{SourceType: capa.SourceFinding, SourceID: r.FindingID, AuditID: r.AuditID, StationID: r.StationID,
		Title: r.Title, Description: r.Description, Severity: r.Severity, Priority: actionPriority[r.Severity],
		AssigneeUserID: r.AssigneeUserID, CreatedBy: r.CreatedBy, CreatedAt: r.At}
	if !r.Today.IsZero() {
		a.DueOn = capa.DefaultDue(r.Severity, r.Today) // by the organization's day
	}
	if err := createAction(ctx, t.Tx, orgID, a); err != nil {
		return "", err
	}
	res, err := t.Exec(ctx, `UPDATE findings SET action_id = ? WHERE organization_id = ? AND id = ?`, a.ID, orgID, r.FindingID)
	return a.ID, expectOne(res, err, "finding")
}

// actionPriority is the priority of a finding's action by its severity.
var actionPriority = map[string]string{"Critical": "Critical", "Major": "High", "Minor": "Medium"}

// CountOpenActions counts an audit's corrective actions not yet Verified.
func (t auditTx) CountOpenActions(ctx context.Context, orgID, auditID string) (int, error) {
	var n int
	err := t.QueryRow(ctx, `SELECT COUNT(*) FROM actions WHERE organization_id = ? AND audit_id = ? AND status <> 'Verified'`, orgID, auditID).Scan(&n)
	return n, err
}
