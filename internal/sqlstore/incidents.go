package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/hsedigital/hse/internal/capa"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/incident"
)

// IncidentStore implements incident.Store on this database.
type IncidentStore struct{ db *DB }

// Incidents returns the incident store.
func (db *DB) Incidents() *IncidentStore { return &IncidentStore{db: db} }

// InTx runs fn in one transaction scoped as sc.
func (s *IncidentStore) InTx(ctx context.Context, sc hse.TxScope, fn func(incident.Tx) error) error {
	return s.db.InTx(ctx, Scope{OrgID: sc.OrgID, UserID: sc.UserID, ReadOnly: sc.ReadOnly}, func(tx *Tx) error {
		return fn(incidentTx{tx})
	})
}

// InSeriesTx runs fn in one write transaction that takes a number of
// series (see DB.InSeriesTx).
func (s *IncidentStore) InSeriesTx(ctx context.Context, sc hse.TxScope, series string, fn func(incident.Tx) error) error {
	return s.db.InSeriesTx(ctx, Scope{OrgID: sc.OrgID, UserID: sc.UserID}, series, func(tx *Tx) error {
		return fn(incidentTx{tx})
	})
}

// incidentTx implements incident.Tx; Emit, SetAttachments, NextNumber,
// NonMembers and AppendAudit come with *Tx.
type incidentTx struct{ *Tx }

var _ incident.Tx = incidentTx{}

const incidentColumns = `id, number, station_id, type, severity, status, occurred_at, reported_at, reporter_user_id, description,
	immediate_actions, location, people, attachment_ids, root_causes, whys, contributing_factors, findings, recordable, days_away,
	days_restricted, fatality, hospitalised, amputation, eye_loss, regulatory_deadline, regulator_reported_at, resolved_at, version,
	created_at, updated_at, investigator_user_id, investigation_due_on, closure_reason`

// incidentArgs are the parameters of incidentColumns for i.
func incidentArgs(i *incident.Incident) ([]any, error) {
	js := make([]any, 5)
	for n, v := range []any{orEmptyOf(i.People), orEmpty(i.AttachmentIDs), orEmpty(i.Investigation.RootCauses),
		orEmpty(i.Investigation.Whys), orEmpty(i.Investigation.ContributingFactors)} {
		p, err := jsonParam(v)
		if err != nil {
			return nil, err
		}
		js[n] = p
	}
	r := i.Record
	return []any{i.ID, i.Number, i.StationID, i.Type, i.Severity, i.Status, utc(i.OccurredAt), utc(i.ReportedAt),
		nullString(i.ReporterUserID), i.Description, i.ImmediateActions, i.Location, js[0], js[1], js[2], js[3], js[4],
		i.Investigation.Findings, r.Recordable, r.DaysAway, r.DaysRestricted, r.Fatality, r.Hospitalised, r.Amputation, r.EyeLoss,
		nullTime(i.RegulatoryDeadline), nullTime(i.RegulatorReportedAt), nullTime(i.ResolvedAt), i.Version,
		utc(i.CreatedAt), utc(i.UpdatedAt), nullString(i.InvestigatorUserID), nullDay(i.InvestigationDueOn), i.ClosureReason}, nil
}

func orEmptyOf[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func scanIncident(row interface{ Scan(...any) error }) (*incident.Incident, error) {
	var i incident.Incident
	var reporter sql.NullString
	var people, att, causes, whys, factors nullJSON
	var deadline, reported, resolved, investigationDue sql.NullTime
	var investigator sql.NullString
	r := &i.Record
	if err := row.Scan(&i.ID, &i.Number, &i.StationID, &i.Type, &i.Severity, &i.Status, &i.OccurredAt, &i.ReportedAt, &reporter,
		&i.Description, &i.ImmediateActions, &i.Location, &people, &att, &causes, &whys, &factors, &i.Investigation.Findings,
		&r.Recordable, &r.DaysAway, &r.DaysRestricted, &r.Fatality, &r.Hospitalised, &r.Amputation, &r.EyeLoss,
		&deadline, &reported, &resolved, &i.Version, &i.CreatedAt, &i.UpdatedAt, &investigator, &investigationDue, &i.ClosureReason); err != nil {
		return nil, err
	}
	for _, j := range []struct {
		src nullJSON
		dst any
	}{{people, &i.People}, {att, &i.AttachmentIDs}, {causes, &i.Investigation.RootCauses}, {whys, &i.Investigation.Whys},
		{factors, &i.Investigation.ContributingFactors}} {
		if err := jsonScan(j.src.NullString, j.dst); err != nil {
			return nil, err
		}
	}
	i.ReporterUserID, i.InvestigatorUserID = reporter.String, investigator.String
	if investigationDue.Valid {
		d := day(investigationDue.Time)
		i.InvestigationDueOn = &d
	}
	i.RegulatoryDeadline, i.RegulatorReportedAt, i.ResolvedAt = timePtr(deadline), timePtr(reported), timePtr(resolved)
	i.OccurredAt, i.ReportedAt, i.CreatedAt, i.UpdatedAt = i.OccurredAt.UTC(), i.ReportedAt.UTC(), i.CreatedAt.UTC(), i.UpdatedAt.UTC()
	return &i, nil
}

func (t incidentTx) CreateIncident(ctx context.Context, orgID string, i *incident.Incident) error {
	args, err := incidentArgs(i)
	if err != nil {
		return err
	}
	_, err = t.Exec(ctx, `INSERT INTO incidents (organization_id, `+incidentColumns+`) VALUES (?, `+placeholders(len(args))+`)`,
		append([]any{orgID}, args...)...)
	if isForeignKeyViolation(err) {
		// The organization exists (the caller acts in it), so the
		// station is what is missing.
		return hse.NotFound("station")
	}
	return err
}

// isForeignKeyViolation reports whether err is a foreign-key violation on
// either engine.
func isForeignKeyViolation(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "FOREIGN KEY constraint failed") || strings.Contains(msg, "SQLSTATE 23503")
}

func (t incidentTx) FindIncident(ctx context.Context, orgID, id string) (*incident.Incident, error) {
	i, err := scanIncident(t.QueryRow(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE organization_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return nil, notFound(err, "incident")
	}
	return i, nil
}

func (t incidentTx) UpdateIncident(ctx context.Context, orgID string, i *incident.Incident, version int64) error {
	args, err := incidentArgs(i)
	if err != nil {
		return err
	}
	// incidentColumns minus what never changes (id, number, reported_at,
	// reporter_user_id, created_at), in the order of incidentArgs.
	set := append(append(append([]any{}, args[2:7]...), args[9:29]...), args[30:]...)
	res, err := t.Exec(ctx, `UPDATE incidents SET station_id = ?, type = ?, severity = ?, status = ?, occurred_at = ?,
		description = ?, immediate_actions = ?, location = ?, people = ?, attachment_ids = ?, root_causes = ?, whys = ?,
		contributing_factors = ?, findings = ?, recordable = ?, days_away = ?, days_restricted = ?, fatality = ?, hospitalised = ?,
		amputation = ?, eye_loss = ?, regulatory_deadline = ?, regulator_reported_at = ?, resolved_at = ?, version = ?, updated_at = ?,
		investigator_user_id = ?, investigation_due_on = ?, closure_reason = ?
		WHERE organization_id = ? AND id = ? AND version = ?`,
		append(set, orgID, i.ID, version)...)
	return t.expectVersion(ctx, res, err, "incidents", "incident", orgID, i.ID)
}

// severityRank orders severities from Low to Critical.
const severityRank = `(CASE severity WHEN 'Low' THEN 1 WHEN 'Medium' THEN 2 WHEN 'High' THEN 3 ELSE 4 END)`

var incidentSorts = map[string]sortKey{
	"":           {expr: "occurred_at", kind: sortTime, of: func(r any) string { return timeKey(r.(*incident.Incident).OccurredAt) }},
	"occurredAt": {expr: "occurred_at", kind: sortTime, of: func(r any) string { return timeKey(r.(*incident.Incident).OccurredAt) }},
	"reportedAt": {expr: "reported_at", kind: sortTime, of: func(r any) string { return timeKey(r.(*incident.Incident).ReportedAt) }},
	"createdAt":  {expr: "created_at", kind: sortTime, of: func(r any) string { return timeKey(r.(*incident.Incident).CreatedAt) }},
	"number":     {expr: "number", kind: sortText, of: func(r any) string { return r.(*incident.Incident).Number }},
	"severity":   {expr: severityRank, kind: sortInt, of: func(r any) string { return priorityRanks[r.(*incident.Incident).Severity] }},
}

func (t incidentTx) FindIncidents(ctx context.Context, orgID string, f incident.Filter, page hse.PageRequest) (hse.Page[incident.Incident], error) {
	w := newWhere("organization_id = ?", orgID)
	if f.Restricted {
		if len(f.VisibleStations) > 0 {
			w.add(`(reporter_user_id = ? OR station_id IN (`+placeholders(len(f.VisibleStations))+`))`,
				append([]any{f.VisibleReporter}, anys(f.VisibleStations)...)...)
		} else {
			w.add("reporter_user_id = ?", f.VisibleReporter)
		}
	}
	w.addIf(f.Status != "", "status = ?", f.Status)
	w.addIf(f.Type != "", "type = ?", f.Type)
	w.addIf(f.Severity != "", "severity = ?", f.Severity)
	w.addIf(f.StationID != "", "station_id = ?", f.StationID)
	if f.From != nil {
		w.add("occurred_at >= ?", utc(*f.From))
	}
	if f.To != nil {
		w.add("occurred_at <= ?", utc(*f.To))
	}
	if f.Recordable != nil {
		w.add("recordable = ?", *f.Recordable)
	}
	if f.Overdue {
		w.add("regulatory_deadline IS NOT NULL AND regulator_reported_at IS NULL AND regulatory_deadline < ?", utc(f.Now))
	}
	if f.Q != "" {
		like := likePattern(f.Q)
		w.add(`(LOWER(number) LIKE ? ESCAPE '\' OR LOWER(description) LIKE ? ESCAPE '\' OR LOWER(location) LIKE ? ESCAPE '\')`, like, like, like)
	}
	return findPage(ctx, t.Tx, `SELECT `+incidentColumns+`, `+nameOf("stations", "incidents", "station_id")+`, `+
		nameOf("users", "incidents", "reporter_user_id")+` FROM incidents`, w, incidentSorts[page.Sort], page,
		scanNamed(scanIncident, 2, func(i *incident.Incident, n []string) { i.StationName, i.ReporterName = n[0], n[1] }),
		func(i *incident.Incident) string { return i.ID })
}

func (t incidentTx) AppendIncidentEvent(ctx context.Context, orgID string, e *incident.Event) error {
	return appendHistory(ctx, t.Tx, "incident_events", "incident_id", orgID, e)
}

func (t incidentTx) FindIncidentEvents(ctx context.Context, orgID, incidentID string) ([]incident.Event, error) {
	return findHistory(ctx, t.Tx, "incident_events", "incident_id", orgID, incidentID)
}

// CreateAction raises a corrective action in the incident's transaction,
// exactly as audit completion does.
func (t incidentTx) CreateAction(ctx context.Context, orgID string, a *capa.Action) error {
	return createAction(ctx, t.Tx, orgID, a)
}

func (t incidentTx) IncidentActions(ctx context.Context, orgID, incidentID string) ([]capa.Action, error) {
	rows, err := t.Query(ctx, `SELECT `+actionColumns+` FROM actions WHERE organization_id = ? AND source_type = 'incident' AND source_id = ?
		ORDER BY created_at, id`, orgID, incidentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []capa.Action{}
	for rows.Next() {
		a, err := scanAction(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, rows.Err()
}

func (t incidentTx) OpenIncidentActions(ctx context.Context, orgID, incidentID string) (int, error) {
	var n int
	err := t.QueryRow(ctx, `SELECT COUNT(*) FROM actions WHERE organization_id = ? AND source_type = 'incident' AND source_id = ?
		AND status <> 'Verified'`, orgID, incidentID).Scan(&n)
	return n, err
}

func (t incidentTx) StationExists(ctx context.Context, orgID, id string) (bool, error) {
	var n int
	err := t.QueryRow(ctx, `SELECT COUNT(*) FROM stations WHERE organization_id = ? AND id = ?`, orgID, id).Scan(&n)
	return n > 0, err
}
