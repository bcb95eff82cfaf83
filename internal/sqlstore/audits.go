package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/hsedigital/hse/internal/audit"
	"github.com/hsedigital/hse/internal/checklist"
	"github.com/hsedigital/hse/internal/hse"
)

// auditSelect is an audit with its station and template, wrapped so that
// filters and keyset pagination name plain columns.
const auditSelect = `SELECT schedule_id, occurrence_date, window_ends, missed_at, id, number, station_id, station_name, region, form_version_id, template_id, template_name, version_number,
	auditor_user_id, status, scheduled_for, started_at, completed_at, closed_at, cancelled_at, cancel_reason, score, result,
	breakdown, version, created_by, created_at, updated_at, (SELECT n.name FROM users n WHERE n.id = au.auditor_user_id) FROM (
	SELECT a.organization_id, a.id, a.number, a.station_id, s.name AS station_name, s.region, a.form_version_id,
		v.template_id, t.name AS template_name, v.number AS version_number, a.auditor_user_id, a.status, a.scheduled_for,
		a.started_at, a.completed_at, a.closed_at, a.cancelled_at, a.cancel_reason, a.score, a.result, a.breakdown,
		a.version, a.created_by, a.created_at, a.updated_at, a.schedule_id, a.occurrence_date, a.window_ends, a.missed_at
	FROM audits a
	JOIN stations s ON s.organization_id = a.organization_id AND s.id = a.station_id
	JOIN form_versions v ON v.organization_id = a.organization_id AND v.id = a.form_version_id
	JOIN form_templates t ON t.organization_id = v.organization_id AND t.id = v.template_id) au`

func scanAudit(row interface{ Scan(...any) error }) (*audit.Audit, error) {
	var a audit.Audit
	var started, completed, closed, cancelled sql.NullTime
	var score sql.NullFloat64
	var result, auditor sql.NullString
	var breakdown nullJSON
	var scheduleID sql.NullString
	var occurrence, windowEnds, missed sql.NullTime
	if err := row.Scan(&scheduleID, &occurrence, &windowEnds, &missed, &a.ID, &a.Number, &a.StationID, &a.StationName, &a.Region, &a.FormVersionID, &a.TemplateID, &a.TemplateName,
		&a.VersionNumber, &a.AuditorUserID, &a.Status, &a.ScheduledFor, &started, &completed, &closed, &cancelled, &a.CancelReason,
		&score, &result, &breakdown, &a.Version, &a.CreatedBy, &a.CreatedAt, &a.UpdatedAt, &auditor); err != nil {
		return nil, err
	}
	a.ScheduleID, a.OccurrenceDate, a.WindowEnds, a.MissedAt = scheduleID.String, timePtr(occurrence), timePtr(windowEnds), timePtr(missed)
	a.ScheduledFor, a.CreatedAt, a.UpdatedAt = a.ScheduledFor.UTC(), a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	a.StartedAt, a.CompletedAt, a.ClosedAt, a.CancelledAt = timePtr(started), timePtr(completed), timePtr(closed), timePtr(cancelled)
	if score.Valid {
		a.Score = &score.Float64
	}
	a.Result, a.AuditorName = result.String, auditor.String
	if breakdown.Valid {
		a.Breakdown = &checklist.Result{}
		if err := jsonScan(breakdown.NullString, a.Breakdown); err != nil {
			return nil, err
		}
	}
	return &a, nil
}

func (t auditTx) CreateAudit(ctx context.Context, orgID string, a *audit.Audit) error {
	_, err := t.Exec(ctx, `INSERT INTO audits (organization_id, id, number, station_id, form_version_id, auditor_user_id, status,
		scheduled_for, version, created_by, created_at, updated_at, schedule_id, occurrence_date, window_ends)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		orgID, a.ID, a.Number, a.StationID, a.FormVersionID, a.AuditorUserID, a.Status, utc(a.ScheduledFor), a.Version,
		a.CreatedBy, utc(a.CreatedAt), utc(a.UpdatedAt), nullString(a.ScheduleID), nullTime(a.OccurrenceDate), nullTime(a.WindowEnds))
	if isUniqueViolation(err) && a.ScheduleID != "" {
		return hse.Conflict("OCCURRENCE_TAKEN", "the schedule's audit of %s was created at the same time", a.ScheduledFor.Format(time.DateOnly))
	}
	return err
}

func (t auditTx) FindAudit(ctx context.Context, orgID, id string) (*audit.Audit, error) {
	a, err := scanAudit(t.QueryRow(ctx, auditSelect+` WHERE organization_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return nil, notFound(err, "audit")
	}
	return a, nil
}

// LockAudit takes the audit's row lock with a no-op update (portable,
// where SELECT ... FOR UPDATE is not), then reads the row as committed by
// whoever held the lock before.
func (t auditTx) LockAudit(ctx context.Context, orgID, id string) (*audit.Audit, error) {
	res, err := t.Exec(ctx, `UPDATE audits SET version = version WHERE organization_id = ? AND id = ?`, orgID, id)
	if err := expectOne(res, err, "audit"); err != nil {
		return nil, err
	}
	return t.FindAudit(ctx, orgID, id)
}

func (t auditTx) UpdateAudit(ctx context.Context, orgID string, a *audit.Audit) error {
	var breakdown any
	if a.Breakdown != nil {
		b, err := jsonParam(a.Breakdown)
		if err != nil {
			return err
		}
		breakdown = b
	}
	var score any
	if a.Score != nil {
		score = *a.Score
	}
	res, err := t.Exec(ctx, `UPDATE audits SET status = ?, started_at = ?, completed_at = ?, closed_at = ?, cancelled_at = ?,
		cancel_reason = ?, score = ?, result = ?, breakdown = ?, updated_at = ?, scheduled_for = ?, auditor_user_id = ?,
		form_version_id = ?, occurrence_date = ?, window_ends = ?, missed_at = ?, version = version + 1
		WHERE organization_id = ? AND id = ? AND version = ?`,
		a.Status, nullTime(a.StartedAt), nullTime(a.CompletedAt), nullTime(a.ClosedAt), nullTime(a.CancelledAt), a.CancelReason,
		score, nullString(a.Result), breakdown, utc(a.UpdatedAt), utc(a.ScheduledFor), a.AuditorUserID, a.FormVersionID,
		nullTime(a.OccurrenceDate), nullTime(a.WindowEnds), nullTime(a.MissedAt), orgID, a.ID, a.Version)
	if err := t.expectVersion(ctx, res, err, "audits", "audit", orgID, a.ID); err != nil {
		return err
	}
	a.Version++
	return nil
}

// auditSorts maps the list's sort fields (audit.SortFields) to columns.
var auditSorts = map[string]sortKey{
	"":             {expr: "scheduled_for", kind: sortTime, of: func(r any) string { return timeKey(r.(*audit.Audit).ScheduledFor) }},
	"scheduledFor": {expr: "scheduled_for", kind: sortTime, of: func(r any) string { return timeKey(r.(*audit.Audit).ScheduledFor) }},
	"number":       {expr: "number", kind: sortText, of: func(r any) string { return r.(*audit.Audit).Number }},
	"createdAt":    {expr: "created_at", kind: sortTime, of: func(r any) string { return timeKey(r.(*audit.Audit).CreatedAt) }},
	"updatedAt":    {expr: "updated_at", kind: sortTime, of: func(r any) string { return timeKey(r.(*audit.Audit).UpdatedAt) }},
}

// auditPageSelect joins a page of audits, chosen by the inner query
// alone ({page}: filters, keyset and LIMIT on the audits table and its
// indexes), to its station, template and auditor. Joining after the LIMIT
// is what keeps a page flat: the joined tables are read for the page's
// rows only, and the planner never has to see through a join to use the
// sort's index.
const auditPageSelect = `SELECT au.schedule_id, au.occurrence_date, au.window_ends, au.missed_at, au.id, au.number, au.station_id, s.name, s.region, au.form_version_id, v.template_id, t.name, v.number,
	au.auditor_user_id, au.status, au.scheduled_for, au.started_at, au.completed_at, au.closed_at, au.cancelled_at, au.cancel_reason,
	au.score, au.result, au.breakdown, au.version, au.created_by, au.created_at, au.updated_at,
	(SELECT n.name FROM users n WHERE n.id = au.auditor_user_id)
	FROM ({page}) au
	JOIN stations s ON s.organization_id = au.organization_id AND s.id = au.station_id
	JOIN form_versions v ON v.organization_id = au.organization_id AND v.id = au.form_version_id
	JOIN form_templates t ON t.organization_id = v.organization_id AND t.id = v.template_id`

func (t auditTx) FindAudits(ctx context.Context, orgID string, f audit.Filter, page hse.PageRequest) (hse.Page[audit.Audit], error) {
	w, err := t.auditWhere(ctx, orgID, f)
	if err != nil {
		return hse.Page[audit.Audit]{}, err
	}
	return findPage(ctx, t.Tx, pageQuery{inner: `SELECT * FROM audits`, outer: auditPageSelect, alias: "au"}, w, auditSorts[page.Sort], page, scanAudit,
		func(a *audit.Audit) string { return a.ID })
}

// EachAudit runs the list's query without LIMIT and hands each row to fn
// as it is read: one query, one cursor, one row in memory at a time.
func (t auditTx) EachAudit(ctx context.Context, orgID string, f audit.Filter, page hse.PageRequest, fn func(*audit.Audit) error) error {
	w, err := t.auditWhere(ctx, orgID, f)
	if err != nil {
		return err
	}
	page.Limit = 0
	q, args, err := pageSQL(pageQuery{inner: `SELECT * FROM audits`, outer: auditPageSelect, alias: "au"}, w, auditSorts[page.Sort], page)
	if err != nil {
		return err
	}
	rows, err := t.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAudit(rows)
		if err != nil {
			return err
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return rows.Err()
}

// auditWhere is the filter of the audit list on the audits table's own
// columns; what belongs to the station (region, name) is a subquery on
// stations, small and indexed.
func (t auditTx) auditWhere(ctx context.Context, orgID string, f audit.Filter) (*where, error) {
	w := newWhere("organization_id = ?", orgID)
	if f.Restricted {
		w.in("station_id", f.Only)
	}
	w.addIf(f.StationID != "", "station_id = ?", f.StationID)
	w.addIf(f.Region != "", "station_id IN (SELECT s.id FROM stations s WHERE s.organization_id = ? AND s.region = ?)", orgID, f.Region)
	w.addIf(f.Status != "", "status = ?", f.Status)
	w.addIf(f.AuditorID != "", "auditor_user_id = ?", f.AuditorID)
	w.addIf(f.Result != "", "result = ?", f.Result)
	w.addIf(!f.ScheduledFrom.IsZero(), "scheduled_for >= ?", utc(f.ScheduledFrom))
	w.addIf(!f.ScheduledTo.IsZero(), "scheduled_for < ?", utc(f.ScheduledTo))
	w.addIf(!f.CompletedFrom.IsZero(), "completed_at >= ?", utc(f.CompletedFrom))
	w.addIf(!f.CompletedTo.IsZero(), "completed_at < ?", utc(f.CompletedTo))
	if f.Overdue != nil {
		// The same rule as audit.Audit.Overdue, on the (status,
		// scheduled_for) index.
		if *f.Overdue {
			w.add("status = ? AND scheduled_for < ?", audit.StatusScheduled, utc(f.Today))
		} else {
			w.add("(status <> ? OR scheduled_for >= ?)", audit.StatusScheduled, utc(f.Today))
		}
	}
	if f.Q == "" {
		return w, nil
	}
	// The number or the station's name holds q: a case-insensitive
	// substring on either engine. The search index finds the matches; when
	// they are many, sorting them all would cost more than walking the
	// sort's index and testing each row, which then meets a page's worth
	// within about limit × rows/matches rows. A bounded probe through the
	// search index decides, and its ids are the filter when they are few.
	like := likePattern(f.Q)
	station := `station_id IN (SELECT s.id FROM stations s WHERE s.organization_id = ? AND LOWER(s.name) LIKE ? ESCAPE '\')`
	// "|| ''" hides the column from the trigram index, so that the
	// planner walks the sort's index instead.
	scan := newWhere(`(LOWER(number) || '' LIKE ? ESCAPE '\' OR `+station+`)`, like, orgID, like)
	if len([]rune(f.Q)) < minSearch {
		w.add(scan.conds[0], scan.args...)
		return w, nil
	}
	number, args := t.db.dialect.auditNumberSearch(orgID, f.Q)
	// Each side on its own index (an OR of the two would hide the
	// trigram index from PostgreSQL), each bounded.
	rows, err := t.Query(ctx, `SELECT id FROM (SELECT id FROM audits WHERE organization_id = ? AND `+number+` LIMIT ?) n
		UNION SELECT id FROM (SELECT id FROM audits WHERE organization_id = ? AND `+station+` LIMIT ?) s`,
		append(append(append([]any{orgID}, args...), searchSortBound+1, orgID), orgID, like, searchSortBound+1)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ids) > searchSortBound {
		w.add(scan.conds[0], scan.args...)
		return w, nil
	}
	// Few matches: the page is read by their ids (primary key) and
	// sorted, at most searchSortBound rows, which no planner can turn
	// into a walk of the whole sort index.
	w.in("id", ids)
	return w, nil
}

// searchSortBound is the most matches of a search that are read through
// the search index and sorted; past it a page walks the sort's index.
const searchSortBound = 2000

func (t auditTx) FindStation(ctx context.Context, orgID, id string) (*audit.StationRef, error) {
	var s audit.StationRef
	var managers nullJSON
	err := t.QueryRow(ctx, `SELECT id, code, name, region, active, audit_frequency, risk_category, manager_user_ids, created_at FROM stations
		WHERE organization_id = ? AND id = ?`, orgID, id).Scan(&s.ID, &s.Code, &s.Name, &s.Region, &s.Active, &s.AuditFrequency, &s.RiskCategory,
		&managers, &s.CreatedAt)
	if err != nil {
		return nil, notFound(err, "station")
	}
	s.CreatedAt = s.CreatedAt.UTC()
	return &s, jsonScan(managers.NullString, &s.ManagerUserIDs)
}

// FindMemberAccess reads a member's permissions and scope from their
// membership and role.
func (t auditTx) FindMemberAccess(ctx context.Context, orgID, userID string) (*audit.MemberAccess, error) {
	var perms, stations nullJSON
	var scope string
	var contractor sql.NullString
	err := t.QueryRow(ctx, `SELECT r.permissions, r.scope, m.station_ids, m.contractor_id FROM memberships m
		JOIN roles r ON r.organization_id = m.organization_id AND r.id = m.role_id
		WHERE m.organization_id = ? AND m.user_id = ?`, orgID, userID).Scan(&perms, &scope, &stations, &contractor)
	if err != nil {
		return nil, notFound(err, "member")
	}
	var ps []hse.Permission
	acc := &audit.MemberAccess{Scope: hse.Scope{Kind: scope, ContractorID: contractor.String}}
	if err := jsonScan(perms.NullString, &ps); err != nil {
		return nil, err
	}
	acc.Permissions = hse.NewPermissionSet(ps...)
	return acc, jsonScan(stations.NullString, &acc.Scope.StationIDs)
}

// FindPlanRows reads every active station with its last completed audit,
// that audit's worst finding and its next open audit.
func (t auditTx) FindPlanRows(ctx context.Context, orgID string, restricted bool, only []string, _ time.Time) ([]audit.PlanRow, error) {
	return t.FindPlanPage(ctx, orgID, restricted, only, audit.PlanFilter{})
}

// FindPlanPage reads a page of active stations in code order, each with
// its last completed audit (one probe of the partial index
// audits_station_last_completed), that audit's worst finding and its next
// open audit: the cost is per station of the page, whatever the number
// of audits.
func (t auditTx) FindPlanPage(ctx context.Context, orgID string, restricted bool, only []string, f audit.PlanFilter) ([]audit.PlanRow, error) {
	w := newWhere("s.organization_id = ? AND s.active = ?", orgID, true)
	if restricted {
		w.in("s.id", only)
	}
	w.addIf(f.Region != "", "s.region = ?", f.Region)
	w.addIf(f.After != "", "s.code > ?", f.After)
	limit := ""
	if f.Limit > 0 {
		limit = ` ORDER BY s.code LIMIT ?`
		w.args = append(w.args, f.Limit)
	}
	rows, err := t.Query(ctx, `SELECT x.id, x.code, x.name, x.region, x.audit_frequency, x.risk_category, x.created_at,
			la.id, la.completed_at, la.score,
			(SELECT MAX(CASE f.severity WHEN 'Critical' THEN 3 WHEN 'Major' THEN 2 ELSE 1 END) FROM findings f
				WHERE f.organization_id = x.organization_id AND f.audit_id = x.last_id),
			na.id, na.scheduled_for, na.status
		FROM (SELECT s.organization_id, s.id, s.code, s.name, s.region, s.audit_frequency, s.risk_category, s.created_at,
				(SELECT a.id FROM audits a WHERE a.organization_id = s.organization_id AND a.station_id = s.id
					AND a.status IN ('Completed', 'Closed') ORDER BY a.completed_at DESC, a.id DESC LIMIT 1) AS last_id,
				(SELECT a.id FROM audits a WHERE a.organization_id = s.organization_id AND a.station_id = s.id
					AND a.status IN ('Scheduled', 'In Progress') ORDER BY a.scheduled_for, a.id LIMIT 1) AS next_id
			FROM stations s WHERE `+w.sql()+limit+`) x
		LEFT JOIN audits la ON la.organization_id = x.organization_id AND la.id = x.last_id
		LEFT JOIN audits na ON na.organization_id = x.organization_id AND na.id = x.next_id
		ORDER BY x.code, x.id`, w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.PlanRow
	for rows.Next() {
		var r audit.PlanRow
		var lastID, nextID, nextStatus sql.NullString
		var lastAt, nextAt sql.NullTime
		var score sql.NullFloat64
		var worst sql.NullInt64
		if err := rows.Scan(&r.Station.ID, &r.Station.Code, &r.Station.Name, &r.Station.Region, &r.Station.AuditFrequency,
			&r.Station.RiskCategory, &r.Station.CreatedAt, &lastID, &lastAt, &score, &worst, &nextID, &nextAt, &nextStatus); err != nil {
			return nil, err
		}
		r.Station.Active, r.Station.CreatedAt = true, r.Station.CreatedAt.UTC()
		r.LastAuditID, r.LastCompletedAt, r.NextScheduledID, r.NextScheduledAt = lastID.String, timePtr(lastAt), nextID.String, timePtr(nextAt)
		r.NextScheduledStatus = nextStatus.String
		if score.Valid {
			r.LastScore = &score.Float64
		}
		r.WorstSeverity = map[int64]string{1: checklist.SeverityMinor, 2: checklist.SeverityMajor, 3: checklist.SeverityCritical}[worst.Int64]
		out = append(out, r)
	}
	return out, rows.Err()
}
