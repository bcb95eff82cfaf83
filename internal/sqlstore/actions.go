package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/google/uuid"

	"github.com/hsedigital/hse/internal/capa"
	"github.com/hsedigital/hse/internal/hse"
)

// CapaStore implements capa.Store on this database.
type CapaStore struct{ db *DB }

// Actions returns the corrective-action store.
func (db *DB) Actions() *CapaStore { return &CapaStore{db: db} }

// InTx runs fn in one transaction scoped as sc.
func (s *CapaStore) InTx(ctx context.Context, sc hse.TxScope, fn func(capa.Tx) error) error {
	return s.db.InTx(ctx, Scope{OrgID: sc.OrgID, UserID: sc.UserID, ReadOnly: sc.ReadOnly}, func(tx *Tx) error {
		return fn(capaTx{tx})
	})
}

// capaTx implements capa.Tx.
type capaTx struct{ *Tx }

var _ capa.Tx = capaTx{}

// createAction raises a corrective action inside the caller's transaction:
// it validates and completes a (capa.Prepare), takes the next number of
// the year's series (gap-free: a rollback returns it), inserts the action
// with its "created" event and appends the audit entry. Audit completion
// calls it for each finding, in the completion transaction, with
// SourceType "finding", SourceID the finding, AuditID, StationID,
// Severity, Title, Description, CreatedBy and CreatedAt set.
func createAction(ctx context.Context, tx *Tx, orgID string, a *capa.Action) error {
	now := a.CreatedAt
	if now.IsZero() {
		now = time.Now()
	}
	if err := capa.Prepare(a, now); err != nil {
		return err
	}
	series := capa.Series(a.CreatedAt)
	n, err := tx.NextNumber(ctx, orgID, series)
	if err != nil {
		return err
	}
	a.Number = capa.FormatNumber(series, n)
	_, err = tx.Exec(ctx, `INSERT INTO actions (organization_id, `+actionColumns+`)
		VALUES (?, `+placeholders(22)+`)`,
		orgID, a.ID, a.Number, a.SourceType, a.SourceID, nullString(a.AuditID), nullString(a.StationID), a.Title, a.Description,
		nullString(a.AssigneeUserID), day(a.DueOn), a.Priority, nullString(a.Severity), a.Status, nullString(a.CompletedBy),
		nullTime(a.CompletedAt), a.CompletionNotes, nullString(a.VerifiedBy), nullTime(a.VerifiedAt), a.Version,
		nullString(a.CreatedBy), utc(a.CreatedAt), utc(a.UpdatedAt))
	if err != nil {
		return err
	}
	ev := &capa.Event{ID: uuid.Must(uuid.NewV7()).String(), RecordID: a.ID, At: a.CreatedAt, ActorUserID: a.CreatedBy,
		Kind: capa.EventCreated, ToStatus: a.Status}
	if err := appendActionEvent(ctx, tx, orgID, ev); err != nil {
		return err
	}
	if a.AssigneeUserID != "" {
		ev := &capa.Event{ID: uuid.Must(uuid.NewV7()).String(), RecordID: a.ID, At: a.CreatedAt, ActorUserID: a.CreatedBy,
			Kind: capa.EventAssigned, Note: a.AssigneeUserID}
		if err := appendActionEvent(ctx, tx, orgID, ev); err != nil {
			return err
		}
	}
	created := hse.NewEvent(nil, orgID, a.CreatedAt, capa.TypeCreated, "action", a.ID, capa.EventPayload(a))
	created.ActorUserID = a.CreatedBy
	if err := tx.Emit(ctx, created); err != nil {
		return err
	}
	m := hse.RequestMetaFrom(ctx)
	return appendAudit(ctx, tx, &hse.AuditEntry{ID: uuid.Must(uuid.NewV7()).String(), OrgID: orgID, OccurredAt: a.CreatedAt,
		ActorUserID: a.CreatedBy, Action: "action.created", EntityType: "action", EntityID: a.ID, After: capa.Snapshot(a),
		IP: m.IP, UserAgent: m.UserAgent, RequestID: m.RequestID})
}

func (t capaTx) CreateAction(ctx context.Context, orgID string, a *capa.Action) error {
	return createAction(ctx, t.Tx, orgID, a)
}

const actionColumns = `id, number, source_type, source_id, audit_id, station_id, title, description, assignee_user_id,
	due_on, priority, severity, status, completed_by, completed_at, completion_notes, verified_by, verified_at, version,
	created_by, created_at, updated_at`

func scanAction(row interface{ Scan(...any) error }) (*capa.Action, error) {
	var a capa.Action
	var audit, station, assignee, severity, completedBy, verifiedBy, createdBy sql.NullString
	var completedAt, verifiedAt sql.NullTime
	if err := row.Scan(&a.ID, &a.Number, &a.SourceType, &a.SourceID, &audit, &station, &a.Title, &a.Description, &assignee,
		&a.DueOn, &a.Priority, &severity, &a.Status, &completedBy, &completedAt, &a.CompletionNotes, &verifiedBy, &verifiedAt,
		&a.Version, &createdBy, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return nil, err
	}
	a.AuditID, a.StationID, a.AssigneeUserID, a.Severity = audit.String, station.String, assignee.String, severity.String
	a.CompletedBy, a.VerifiedBy, a.CreatedBy = completedBy.String, verifiedBy.String, createdBy.String
	a.CompletedAt, a.VerifiedAt = timePtr(completedAt), timePtr(verifiedAt)
	a.DueOn, a.CreatedAt, a.UpdatedAt = day(a.DueOn), a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return &a, nil
}

func (t capaTx) FindAction(ctx context.Context, orgID, id string) (*capa.Action, error) {
	a, err := scanAction(t.QueryRow(ctx, `SELECT `+actionColumns+` FROM actions WHERE organization_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return nil, notFound(err, "action")
	}
	return a, nil
}

// priorityRank orders priorities from Low to Critical.
const priorityRank = `(CASE priority WHEN 'Low' THEN 1 WHEN 'Medium' THEN 2 WHEN 'High' THEN 3 ELSE 4 END)`

var priorityRanks = map[string]string{"Low": "1", "Medium": "2", "High": "3", "Critical": "4"}

var actionSorts = map[string]sortKey{
	"":          {expr: "due_on", kind: sortTime, of: func(a any) string { return timeKey(a.(*capa.Action).DueOn) }},
	"dueOn":     {expr: "due_on", kind: sortTime, of: func(a any) string { return timeKey(a.(*capa.Action).DueOn) }},
	"createdAt": {expr: "created_at", kind: sortTime, of: func(a any) string { return timeKey(a.(*capa.Action).CreatedAt) }},
	"number":    {expr: "number", kind: sortText, of: func(a any) string { return a.(*capa.Action).Number }},
	"priority":  {expr: priorityRank, kind: sortInt, of: func(a any) string { return priorityRanks[a.(*capa.Action).Priority] }},
}

func (t capaTx) FindActions(ctx context.Context, orgID string, f capa.Filter, page hse.PageRequest) (hse.Page[capa.Action], error) {
	w := newWhere("organization_id = ?", orgID)
	if f.Restricted {
		if len(f.VisibleStations) > 0 {
			w.add(`(assignee_user_id = ? OR station_id IN (`+placeholders(len(f.VisibleStations))+`))`,
				append([]any{f.VisibleAssignee}, anys(f.VisibleStations)...)...)
		} else {
			w.add("assignee_user_id = ?", f.VisibleAssignee)
		}
	}
	w.addIf(f.Status != "", "status = ?", f.Status)
	w.addIf(f.Priority != "", "priority = ?", f.Priority)
	w.addIf(f.StationID != "", "station_id = ?", f.StationID)
	w.addIf(f.SourceType != "", "source_type = ?", f.SourceType)
	w.addIf(f.SourceID != "", "source_id = ?", f.SourceID)
	w.addIf(f.AssigneeID != "", "assignee_user_id = ?", f.AssigneeID)
	w.addIf(f.AuditID != "", "audit_id = ?", f.AuditID)
	if f.DueFrom != nil {
		w.add("due_on >= ?", day(*f.DueFrom))
	}
	if f.DueTo != nil {
		w.add("due_on <= ?", day(*f.DueTo))
	}
	if f.Overdue || f.Escalated {
		limit := day(f.Today)
		cmp := "<"
		if f.Escalated {
			limit, cmp = limit.AddDate(0, 0, -capa.EscalationDays), "<="
		}
		w.add("status IN ('Open', 'In Progress') AND due_on "+cmp+" ?", limit)
	}
	if f.Q != "" {
		like := likePattern(f.Q)
		w.add(`(LOWER(number) LIKE ? ESCAPE '\' OR LOWER(title) LIKE ? ESCAPE '\')`, like, like)
	}
	return findPage(ctx, t.Tx, `SELECT `+actionColumns+`, `+nameOf("stations", "actions", "station_id")+`, `+
		nameOf("users", "actions", "assignee_user_id")+` FROM actions`, w, actionSorts[page.Sort], page,
		scanNamed(scanAction, 2, func(a *capa.Action, n []string) { a.StationName, a.AssigneeName = n[0], n[1] }),
		func(a *capa.Action) string { return a.ID })
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func (t capaTx) UpdateAction(ctx context.Context, orgID string, a *capa.Action, version int64) error {
	res, err := t.Exec(ctx, `UPDATE actions SET title = ?, description = ?, assignee_user_id = ?, due_on = ?, priority = ?,
		status = ?, completed_by = ?, completed_at = ?, completion_notes = ?, verified_by = ?, verified_at = ?, version = ?, updated_at = ?
		WHERE organization_id = ? AND id = ? AND version = ?`,
		a.Title, a.Description, nullString(a.AssigneeUserID), day(a.DueOn), a.Priority, a.Status, nullString(a.CompletedBy),
		nullTime(a.CompletedAt), a.CompletionNotes, nullString(a.VerifiedBy), nullTime(a.VerifiedAt), a.Version, utc(a.UpdatedAt),
		orgID, a.ID, version)
	return t.expectVersion(ctx, res, err, "actions", "action", orgID, a.ID)
}

func appendActionEvent(ctx context.Context, tx *Tx, orgID string, e *capa.Event) error {
	return appendHistory(ctx, tx, "action_events", "action_id", orgID, e)
}

func (t capaTx) AppendActionEvent(ctx context.Context, orgID string, e *capa.Event) error {
	return appendActionEvent(ctx, t.Tx, orgID, e)
}

func (t capaTx) FindActionEvents(ctx context.Context, orgID, actionID string) ([]capa.Event, error) {
	return findHistory(ctx, t.Tx, "action_events", "action_id", orgID, actionID)
}

// CloseAuditIfAllVerified closes a Completed audit once none of its
// actions is anything but Verified, in the transaction that verified the
// last one.
func (t capaTx) CloseAuditIfAllVerified(ctx context.Context, orgID, auditID string, at time.Time) (bool, error) {
	res, err := t.Exec(ctx, `UPDATE audits SET status = 'Closed', closed_at = ?, updated_at = ?, version = version + 1
		WHERE organization_id = ? AND id = ? AND status = 'Completed'
		AND NOT EXISTS (SELECT 1 FROM actions WHERE organization_id = ? AND audit_id = ? AND status <> 'Verified')`,
		utc(at), utc(at), orgID, auditID, orgID, auditID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (t capaTx) StationExists(ctx context.Context, orgID, id string) (bool, error) {
	var n int
	err := t.QueryRow(ctx, `SELECT COUNT(*) FROM stations WHERE organization_id = ? AND id = ?`, orgID, id).Scan(&n)
	return n > 0, err
}
