package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/hsedigital/hse/internal/audit"
	"github.com/hsedigital/hse/internal/hse"
)

// Audit schedules (programmes), the audits they create, and the history
// of audits.

const scheduleColumns = `id, name, station_id, region, template_id, frequency, interval_days, start_date, end_date, window_days,
	lead_days, assignee_rule, auditor_user_id, group_user_ids, rotation, active, version, created_by, created_at, updated_at`

func scanSchedule(row interface{ Scan(...any) error }) (*audit.Schedule, error) {
	var s audit.Schedule
	var station, region, auditor sql.NullString
	var end sql.NullTime
	var group nullJSON
	if err := row.Scan(&s.ID, &s.Name, &station, &region, &s.TemplateID, &s.Frequency, &s.IntervalDays, &s.StartDate, &end, &s.WindowDays,
		&s.LeadDays, &s.AssigneeRule, &auditor, &group, &s.Rotation, &s.Active, &s.Version, &s.CreatedBy, &s.CreatedAt, &s.UpdatedAt); err != nil {
		return nil, err
	}
	s.StationID, s.Region, s.AuditorUserID, s.EndDate = station.String, region.String, auditor.String, timePtr(end)
	s.StartDate, s.CreatedAt, s.UpdatedAt = s.StartDate.UTC(), s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	return &s, jsonScan(group.NullString, &s.GroupUserIDs)
}

func (t auditTx) CreateSchedule(ctx context.Context, orgID string, s *audit.Schedule) error {
	group, err := jsonParam(orEmpty(s.GroupUserIDs))
	if err != nil {
		return err
	}
	_, err = t.Exec(ctx, `INSERT INTO audit_schedules (organization_id, `+scheduleColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		orgID, s.ID, s.Name, nullString(s.StationID), nullString(s.Region), s.TemplateID, s.Frequency, s.IntervalDays, utc(s.StartDate),
		nullTime(s.EndDate), s.WindowDays, s.LeadDays, s.AssigneeRule, nullString(s.AuditorUserID), group, s.Rotation, s.Active, s.Version,
		s.CreatedBy, utc(s.CreatedAt), utc(s.UpdatedAt))
	return err
}

func (t auditTx) FindSchedule(ctx context.Context, orgID, id string) (*audit.Schedule, error) {
	s, err := scanSchedule(t.QueryRow(ctx, `SELECT `+scheduleColumns+` FROM audit_schedules WHERE organization_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return nil, notFound(err, "audit schedule")
	}
	return s, nil
}

// LockSchedule takes the schedule's row lock with a no-op update, as
// LockAudit does.
func (t auditTx) LockSchedule(ctx context.Context, orgID, id string) (*audit.Schedule, error) {
	res, err := t.Exec(ctx, `UPDATE audit_schedules SET version = version WHERE organization_id = ? AND id = ?`, orgID, id)
	if err := expectOne(res, err, "audit schedule"); err != nil {
		return nil, err
	}
	return t.FindSchedule(ctx, orgID, id)
}

// FindSchedules lists the organization's schedules by name. An
// organization has tens of them, not thousands: no pagination.
func (t auditTx) FindSchedules(ctx context.Context, orgID string) ([]audit.Schedule, error) {
	rows, err := t.Query(ctx, `SELECT `+scheduleColumns+` FROM audit_schedules WHERE organization_id = ? ORDER BY name, id`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []audit.Schedule{}
	for rows.Next() {
		s, err := scanSchedule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *s)
	}
	return out, rows.Err()
}

func (t auditTx) UpdateSchedule(ctx context.Context, orgID string, s *audit.Schedule) error {
	group, err := jsonParam(orEmpty(s.GroupUserIDs))
	if err != nil {
		return err
	}
	res, err := t.Exec(ctx, `UPDATE audit_schedules SET name = ?, station_id = ?, region = ?, template_id = ?, frequency = ?,
		interval_days = ?, start_date = ?, end_date = ?, window_days = ?, lead_days = ?, assignee_rule = ?, auditor_user_id = ?,
		group_user_ids = ?, active = ?, updated_at = ?, version = version + 1
		WHERE organization_id = ? AND id = ? AND version = ?`,
		s.Name, nullString(s.StationID), nullString(s.Region), s.TemplateID, s.Frequency, s.IntervalDays, utc(s.StartDate), nullTime(s.EndDate),
		s.WindowDays, s.LeadDays, s.AssigneeRule, nullString(s.AuditorUserID), group, s.Active, utc(s.UpdatedAt), orgID, s.ID, s.Version)
	if err := t.expectVersion(ctx, res, err, "audit_schedules", "audit schedule", orgID, s.ID); err != nil {
		return err
	}
	s.Version++
	return nil
}

func (t auditTx) SetScheduleRotation(ctx context.Context, orgID, id string, rotation int64) error {
	res, err := t.Exec(ctx, `UPDATE audit_schedules SET rotation = ? WHERE organization_id = ? AND id = ?`, rotation, orgID, id)
	return expectOne(res, err, "audit schedule")
}

func (t auditTx) FindScheduleIDsUsing(ctx context.Context, orgID, templateID string) ([]string, error) {
	rows, err := t.Query(ctx, `SELECT id FROM audit_schedules WHERE organization_id = ? AND template_id = ? AND active = ? ORDER BY id`,
		orgID, templateID, true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func (t auditTx) FindRegionStations(ctx context.Context, orgID, region string) ([]audit.StationRef, error) {
	rows, err := t.Query(ctx, `SELECT id, code, name, region, active, audit_frequency, risk_category, created_at, manager_user_ids
		FROM stations WHERE organization_id = ? AND region = ? AND active = ? ORDER BY code, id`, orgID, region, true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.StationRef
	for rows.Next() {
		var s audit.StationRef
		var managers nullJSON
		if err := rows.Scan(&s.ID, &s.Code, &s.Name, &s.Region, &s.Active, &s.AuditFrequency, &s.RiskCategory, &s.CreatedAt, &managers); err != nil {
			return nil, err
		}
		s.CreatedAt = s.CreatedAt.UTC()
		if err := jsonScan(managers.NullString, &s.ManagerUserIDs); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// findAudits runs an audit query of this file.
func (t auditTx) findAudits(ctx context.Context, where string, args ...any) ([]audit.Audit, error) {
	rows, err := t.Query(ctx, auditSelect+` WHERE `+where+` ORDER BY scheduled_for, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Audit
	for rows.Next() {
		a, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, rows.Err()
}

func (t auditTx) FindScheduleAudits(ctx context.Context, orgID, scheduleID string, from time.Time) ([]audit.Audit, error) {
	return t.findAudits(ctx, `organization_id = ? AND schedule_id = ? AND occurrence_date >= ?`, orgID, scheduleID, utc(from))
}

// FindLapsedAudits: a window ends at the end of its last day, so an audit
// is lapsed once that day is before today.
func (t auditTx) FindLapsedAudits(ctx context.Context, orgID string, today time.Time) ([]audit.Audit, error) {
	return t.findAudits(ctx, `organization_id = ? AND status = 'Scheduled' AND window_ends < ?`, orgID, utc(today))
}

func (t auditTx) ClearOccurrences(ctx context.Context, orgID string, ids []string) error {
	w := newWhere("organization_id = ?", orgID)
	w.in("id", ids)
	_, err := t.Exec(ctx, `UPDATE audits SET occurrence_date = NULL WHERE `+w.sql(), w.args...)
	return err
}

func (t auditTx) AppendAuditHistory(ctx context.Context, orgID string, e *hse.HistoryEntry) error {
	return appendHistory(ctx, t.Tx, "audit_events", "audit_id", orgID, e)
}

func (t auditTx) FindAuditHistory(ctx context.Context, orgID, auditID string) ([]hse.HistoryEntry, error) {
	return findHistory(ctx, t.Tx, "audit_events", "audit_id", orgID, auditID)
}

// ProgrammeOrgs reads every tenant, so it runs with the platform scope.
func (s *AuditStore) ProgrammeOrgs(ctx context.Context, today time.Time) ([]string, error) {
	var out []string
	err := s.db.InTx(ctx, Scope{Platform: true, ReadOnly: true}, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT o.id FROM organizations o WHERE o.status = 'active' AND (
				EXISTS (SELECT 1 FROM audit_schedules s WHERE s.organization_id = o.id AND s.active = ?)
				OR EXISTS (SELECT 1 FROM audits a WHERE a.organization_id = o.id AND a.status = 'Scheduled' AND a.window_ends < ?))
			ORDER BY o.created_at, o.id`, true, utc(today))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			out = append(out, id)
		}
		return rows.Err()
	})
	return out, err
}

func (t auditTx) SetStationFrequency(ctx context.Context, orgID, stationID, frequency string, at time.Time) error {
	res, err := t.Exec(ctx, `UPDATE stations SET audit_frequency = ?, version = version + 1, updated_at = ?
		WHERE organization_id = ? AND id = ?`, frequency, utc(at), orgID, stationID)
	return expectOne(res, err, "station")
}
