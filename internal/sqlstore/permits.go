package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/contractor"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/permit"
)

// PermitStore implements permit.Store and permit.ExpiryStore on this
// database.
type PermitStore struct{ db *DB }

// Permits returns the permits-to-work store.
func (db *DB) Permits() *PermitStore { return &PermitStore{db: db} }

var (
	_ permit.Store       = (*PermitStore)(nil)
	_ permit.ExpiryStore = (*PermitStore)(nil)
	_ permit.Tx          = permitTx{}
)

// InTx runs fn in one transaction scoped as sc.
func (s *PermitStore) InTx(ctx context.Context, sc hse.TxScope, fn func(permit.Tx) error) error {
	return s.db.InTx(ctx, Scope{OrgID: sc.OrgID, UserID: sc.UserID, ReadOnly: sc.ReadOnly}, func(tx *Tx) error {
		return fn(permitTx{tx})
	})
}

// ExpiringOrgs lists the organizations with Approved, Active or Suspended
// permits whose valid-to is at or before at. It reads every tenant, so it
// runs with the platform scope; the expiry itself runs per organization.
func (s *PermitStore) ExpiringOrgs(ctx context.Context, at time.Time) ([]string, error) {
	return s.orgsWith(ctx, `status IN ('Approved', 'Active', 'Suspended') AND valid_to <= ?`, utc(at))
}

// RetestDueOrgs lists the organizations with Active permits whose gas
// re-test was due at or before at (platform scope, like ExpiringOrgs).
func (s *PermitStore) RetestDueOrgs(ctx context.Context, at time.Time) ([]string, error) {
	return s.orgsWith(ctx, `status = 'Active' AND retest_due_at <= ?`, utc(at))
}

func (s *PermitStore) orgsWith(ctx context.Context, cond string, args ...any) ([]string, error) {
	var out []string
	err := s.db.InTx(ctx, Scope{Platform: true, ReadOnly: true}, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT DISTINCT organization_id FROM permits WHERE `+cond+` ORDER BY organization_id`, args...)
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

// permitTx implements permit.Tx; Emit, SetAttachments, NextNumber and
// AppendAudit come from *Tx, and the contractor reads from contractorTx.
type permitTx struct{ *Tx }

func (t permitTx) FindContractor(ctx context.Context, orgID, id string, today time.Time) (*contractor.Contractor, error) {
	return contractorTx(t).FindContractor(ctx, orgID, id, today)
}

func (t permitTx) FindContractorDocuments(ctx context.Context, orgID, contractorID string) ([]contractor.Document, error) {
	return contractorTx(t).FindContractorDocuments(ctx, orgID, contractorID)
}

func (t permitTx) StationExists(ctx context.Context, orgID, id string) (bool, error) {
	return capaTx(t).StationExists(ctx, orgID, id)
}

const permitColumns = `id, number, type, type_key, type_version, station_id, contractor_id, requested_by, description, location,
	valid_from, valid_to, original_valid_to, status, approved_by, approved_at, activated_by, activated_at, closed_by, closed_at,
	close_notes, reason, retest_due_at, suspended_at, suspension_reason, version, created_at, updated_at`

func scanPermit(row interface{ Scan(...any) error }) (*permit.Permit, error) {
	var p permit.Permit
	var contractor, approvedBy, activatedBy, closedBy sql.NullString
	var approvedAt, activatedAt, closedAt, retestDue, suspendedAt sql.NullTime
	if err := row.Scan(&p.ID, &p.Number, &p.Type, &p.TypeKey, &p.TypeVersion, &p.StationID, &contractor, &p.RequestedBy, &p.Description, &p.Location,
		&p.ValidFrom, &p.ValidTo, &p.OriginalValidTo, &p.Status, &approvedBy, &approvedAt, &activatedBy, &activatedAt,
		&closedBy, &closedAt, &p.CloseNotes, &p.Reason, &retestDue, &suspendedAt, &p.SuspensionReason, &p.Version, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return nil, err
	}
	p.RetestDueAt, p.SuspendedAt = timePtr(retestDue), timePtr(suspendedAt)
	p.ContractorID, p.ApprovedBy, p.ActivatedBy, p.ClosedBy = contractor.String, approvedBy.String, activatedBy.String, closedBy.String
	p.ApprovedAt, p.ActivatedAt, p.ClosedAt = timePtr(approvedAt), timePtr(activatedAt), timePtr(closedAt)
	p.ValidFrom, p.ValidTo, p.OriginalValidTo = p.ValidFrom.UTC(), p.ValidTo.UTC(), p.OriginalValidTo.UTC()
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return &p, nil
}

func (t permitTx) CreatePermit(ctx context.Context, orgID string, p *permit.Permit) error {
	_, err := t.Exec(ctx, `INSERT INTO permits (organization_id, `+permitColumns+`) VALUES (?, `+placeholders(28)+`)`,
		orgID, p.ID, p.Number, p.Type, p.TypeKey, p.TypeVersion, p.StationID, nullString(p.ContractorID), p.RequestedBy, p.Description, p.Location,
		utc(p.ValidFrom), utc(p.ValidTo), utc(p.OriginalValidTo), p.Status, nullString(p.ApprovedBy), nullTime(p.ApprovedAt),
		nullString(p.ActivatedBy), nullTime(p.ActivatedAt), nullString(p.ClosedBy), nullTime(p.ClosedAt), p.CloseNotes, p.Reason,
		nullTime(p.RetestDueAt), nullTime(p.SuspendedAt), p.SuspensionReason, p.Version, utc(p.CreatedAt), utc(p.UpdatedAt))
	return err
}

func (t permitTx) FindPermit(ctx context.Context, orgID, id string) (*permit.Permit, error) {
	p, err := scanPermit(t.QueryRow(ctx, `SELECT `+permitColumns+` FROM permits WHERE organization_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return nil, notFound(err, "permit")
	}
	rows, err := t.Query(ctx, `SELECT attachment_id FROM attachment_links WHERE organization_id = ? AND entity_type = ? AND entity_id = ?
		ORDER BY created_at, attachment_id`, orgID, permit.EntityType, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		p.AttachmentIDs = append(p.AttachmentIDs, a)
	}
	return p, rows.Err()
}

var permitSorts = map[string]sortKey{
	"":          {expr: "valid_from", kind: sortTime, of: func(p any) string { return timeKey(p.(*permit.Permit).ValidFrom) }},
	"validFrom": {expr: "valid_from", kind: sortTime, of: func(p any) string { return timeKey(p.(*permit.Permit).ValidFrom) }},
	"createdAt": {expr: "created_at", kind: sortTime, of: func(p any) string { return timeKey(p.(*permit.Permit).CreatedAt) }},
	"number":    {expr: "number", kind: sortText, of: func(p any) string { return p.(*permit.Permit).Number }},
}

func (t permitTx) FindPermits(ctx context.Context, orgID string, f permit.Filter, page hse.PageRequest) (hse.Page[permit.Permit], error) {
	w := newWhere("organization_id = ?", orgID)
	if f.Restricted {
		switch {
		case len(f.VisibleStations) > 0:
			w.in("station_id", f.VisibleStations)
		case f.VisibleCompany != "":
			w.add("contractor_id = ?", f.VisibleCompany)
		default:
			w.add("1 = 0")
		}
	}
	w.addIf(f.Status != "", "status = ?", f.Status)
	if len(f.Statuses) > 0 {
		w.in("status", f.Statuses)
	}
	w.addIf(f.Type != "", "(type = ? OR type_key = ?)", f.Type, f.Type)
	w.addIf(f.StationID != "", "station_id = ?", f.StationID)
	w.addIf(f.ContractorID != "", "contractor_id = ?", f.ContractorID)
	if f.From != nil {
		w.add("valid_to > ?", utc(*f.From))
	}
	if f.To != nil {
		w.add("valid_from < ?", utc(*f.To))
	}
	if f.ValidAt != nil {
		w.add("valid_from <= ? AND valid_to > ?", utc(*f.ValidAt), utc(*f.ValidAt))
	}
	if f.Q != "" {
		like := likePattern(f.Q)
		w.add(`(LOWER(number) LIKE ? ESCAPE '\' OR LOWER(description) LIKE ? ESCAPE '\' OR LOWER(location) LIKE ? ESCAPE '\')`, like, like, like)
	}
	return findPage(ctx, t.Tx, `SELECT `+permitColumns+`, `+nameOf("stations", "permits", "station_id")+`, `+
		nameOf("contractors", "permits", "contractor_id")+`, `+nameOf("users", "permits", "requested_by")+` FROM permits`,
		w, permitSorts[page.Sort], page, scanNamed(scanPermit, 3, func(p *permit.Permit, n []string) {
			p.StationName, p.ContractorName, p.RequesterName = n[0], n[1], n[2]
		}),
		func(p *permit.Permit) string { return p.ID })
}

func (t permitTx) UpdatePermit(ctx context.Context, orgID string, p *permit.Permit, version int64) error {
	res, err := t.Exec(ctx, `UPDATE permits SET type = ?, type_key = ?, type_version = ?, contractor_id = ?, description = ?, location = ?,
		valid_from = ?, valid_to = ?, original_valid_to = ?, status = ?, approved_by = ?, approved_at = ?, activated_by = ?, activated_at = ?,
		closed_by = ?, closed_at = ?, close_notes = ?, reason = ?, retest_due_at = ?, suspended_at = ?, suspension_reason = ?,
		version = ?, updated_at = ?
		WHERE organization_id = ? AND id = ? AND version = ?`,
		p.Type, p.TypeKey, p.TypeVersion, nullString(p.ContractorID), p.Description, p.Location, utc(p.ValidFrom), utc(p.ValidTo),
		utc(p.OriginalValidTo), p.Status, nullString(p.ApprovedBy), nullTime(p.ApprovedAt), nullString(p.ActivatedBy), nullTime(p.ActivatedAt),
		nullString(p.ClosedBy), nullTime(p.ClosedAt), p.CloseNotes, p.Reason, nullTime(p.RetestDueAt), nullTime(p.SuspendedAt),
		p.SuspensionReason, p.Version, utc(p.UpdatedAt), orgID, p.ID, version)
	return t.expectVersion(ctx, res, err, "permits", "permit", orgID, p.ID)
}

func (t permitTx) queryPermits(ctx context.Context, query string, args ...any) ([]permit.Permit, error) {
	rows, err := t.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []permit.Permit
	for rows.Next() {
		p, err := scanPermit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, rows.Err()
}

// FindOverlapping uses the clash index: one station's Approved, Active and
// Suspended permits (stopped work still holds its place), by validity.
func (t permitTx) FindOverlapping(ctx context.Context, orgID, stationID string, from, to time.Time, exceptID string) ([]permit.Permit, error) {
	return t.queryPermits(ctx, `SELECT `+permitColumns+` FROM permits WHERE organization_id = ? AND station_id = ?
		AND status IN ('Approved', 'Active', 'Suspended') AND valid_from < ? AND valid_to > ? AND id <> ? ORDER BY valid_from, id`,
		orgID, stationID, utc(to), utc(from), exceptID)
}

func (t permitTx) FindExpiring(ctx context.Context, orgID string, at time.Time, limit int) ([]permit.Permit, error) {
	return t.queryPermits(ctx, `SELECT `+permitColumns+` FROM permits WHERE organization_id = ?
		AND status IN ('Approved', 'Active', 'Suspended') AND valid_to <= ? ORDER BY valid_to, id LIMIT ?`, orgID, utc(at), limit)
}

// FindRetestDue lists Active permits whose gas re-test is overdue, the
// oldest due first.
func (t permitTx) FindRetestDue(ctx context.Context, orgID string, at time.Time, limit int) ([]permit.Permit, error) {
	return t.queryPermits(ctx, `SELECT `+permitColumns+` FROM permits WHERE organization_id = ?
		AND status = 'Active' AND retest_due_at <= ? ORDER BY retest_due_at, id LIMIT ?`, orgID, utc(at), limit)
}

func (t permitTx) FindPrecautions(ctx context.Context, orgID, permitID string) ([]permit.Precaution, error) {
	rows, err := t.Query(ctx, `SELECT key, confirmed_by, confirmed_at, note FROM permit_precautions
		WHERE organization_id = ? AND permit_id = ? ORDER BY key`, orgID, permitID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []permit.Precaution
	for rows.Next() {
		var p permit.Precaution
		var at time.Time
		if err := rows.Scan(&p.Key, &p.ConfirmedBy, &at, &p.Note); err != nil {
			return nil, err
		}
		at = at.UTC()
		p.Confirmed, p.ConfirmedAt = true, &at
		out = append(out, p)
	}
	return out, rows.Err()
}

func (t permitTx) SetPrecaution(ctx context.Context, orgID, permitID string, p *permit.Precaution) error {
	if !p.Confirmed {
		_, err := t.Exec(ctx, `DELETE FROM permit_precautions WHERE organization_id = ? AND permit_id = ? AND key = ?`, orgID, permitID, p.Key)
		return err
	}
	_, err := t.Exec(ctx, `INSERT INTO permit_precautions (organization_id, permit_id, key, confirmed_by, confirmed_at, note)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (organization_id, permit_id, key)
		DO UPDATE SET confirmed_by = excluded.confirmed_by, confirmed_at = excluded.confirmed_at, note = excluded.note`,
		orgID, permitID, p.Key, p.ConfirmedBy, nullTime(p.ConfirmedAt), p.Note)
	return err
}

func (t permitTx) ClearPrecautions(ctx context.Context, orgID, permitID string) error {
	_, err := t.Exec(ctx, `DELETE FROM permit_precautions WHERE organization_id = ? AND permit_id = ?`, orgID, permitID)
	return err
}

func (t permitTx) CreateGasTest(ctx context.Context, orgID string, g *permit.GasTest) error {
	readings, err := json.Marshal(g.Readings)
	if err != nil {
		return err
	}
	_, err = t.Exec(ctx, `INSERT INTO permit_gas_tests (organization_id, id, permit_id, readings, tested_at, tester, instrument,
		passed, failures, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		orgID, g.ID, g.PermitID, string(readings), utc(g.TestedAt), g.Tester, g.Instrument, g.Passed,
		strings.Join(g.Failures, "\n"), g.RecordedBy, utc(g.RecordedAt))
	return err
}

// FindGasTests lists a permit's gas tests, newest first.
func (t permitTx) FindGasTests(ctx context.Context, orgID, permitID string) ([]permit.GasTest, error) {
	rows, err := t.Query(ctx, `SELECT id, readings, tested_at, tester, instrument, passed, failures, recorded_by, recorded_at
		FROM permit_gas_tests WHERE organization_id = ? AND permit_id = ? ORDER BY tested_at DESC, id DESC`, orgID, permitID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []permit.GasTest{}
	for rows.Next() {
		g := permit.GasTest{PermitID: permitID}
		var failures, readings string
		if err := rows.Scan(&g.ID, &readings, &g.TestedAt, &g.Tester, &g.Instrument, &g.Passed, &failures,
			&g.RecordedBy, &g.RecordedAt); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(readings), &g.Readings); err != nil {
			return nil, err
		}
		if failures != "" {
			g.Failures = strings.Split(failures, "\n")
		}
		g.TestedAt, g.RecordedAt = g.TestedAt.UTC(), g.RecordedAt.UTC()
		out = append(out, g)
	}
	return out, rows.Err()
}

func (t permitTx) CreateExtension(ctx context.Context, orgID string, e *permit.Extension) error {
	_, err := t.Exec(ctx, `INSERT INTO permit_extensions (organization_id, id, permit_id, old_valid_to, new_valid_to, reason, extended_by, extended_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, orgID, e.ID, e.PermitID, utc(e.OldValidTo), utc(e.NewValidTo), e.Reason, e.ExtendedBy, utc(e.ExtendedAt))
	return err
}

// FindExtensions lists a permit's extensions, oldest first.
func (t permitTx) FindExtensions(ctx context.Context, orgID, permitID string) ([]permit.Extension, error) {
	rows, err := t.Query(ctx, `SELECT id, old_valid_to, new_valid_to, reason, extended_by, extended_at FROM permit_extensions
		WHERE organization_id = ? AND permit_id = ? ORDER BY extended_at, id`, orgID, permitID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []permit.Extension{}
	for rows.Next() {
		e := permit.Extension{PermitID: permitID}
		if err := rows.Scan(&e.ID, &e.OldValidTo, &e.NewValidTo, &e.Reason, &e.ExtendedBy, &e.ExtendedAt); err != nil {
			return nil, err
		}
		e.OldValidTo, e.NewValidTo, e.ExtendedAt = e.OldValidTo.UTC(), e.NewValidTo.UTC(), e.ExtendedAt.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

func (t permitTx) AppendPermitEvent(ctx context.Context, orgID string, e *permit.Event) error {
	return appendHistory(ctx, t.Tx, "permit_events", "permit_id", orgID, e)
}

func (t permitTx) FindPermitEvents(ctx context.Context, orgID, permitID string) ([]permit.Event, error) {
	return findHistory(ctx, t.Tx, "permit_events", "permit_id", orgID, permitID)
}

func (t permitTx) CreateIsolation(ctx context.Context, orgID string, i *permit.Isolation) error {
	_, err := t.Exec(ctx, `INSERT INTO permit_isolations (organization_id, id, permit_id, point, method, note, applied_by, applied_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, orgID, i.ID, i.PermitID, i.Point, i.Method, i.Note, i.AppliedBy, utc(i.AppliedAt))
	return err
}

func (t permitTx) RemoveIsolation(ctx context.Context, orgID string, i *permit.Isolation) error {
	res, err := t.Exec(ctx, `UPDATE permit_isolations SET removed_by = ?, removed_at = ?, note = ?
		WHERE organization_id = ? AND permit_id = ? AND id = ? AND removed_at IS NULL`,
		i.RemovedBy, nullTime(i.RemovedAt), i.Note, orgID, i.PermitID, i.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return hse.Conflict("ISOLATION_REMOVED", "the isolation was removed already")
	}
	return nil
}

// FindIsolations lists a permit's isolations, oldest first.
func (t permitTx) FindIsolations(ctx context.Context, orgID, permitID string) ([]permit.Isolation, error) {
	rows, err := t.Query(ctx, `SELECT id, point, method, note, applied_by, applied_at, removed_by, removed_at FROM permit_isolations
		WHERE organization_id = ? AND permit_id = ? ORDER BY applied_at, id`, orgID, permitID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []permit.Isolation{}
	for rows.Next() {
		i := permit.Isolation{PermitID: permitID}
		var removedBy sql.NullString
		var removedAt sql.NullTime
		if err := rows.Scan(&i.ID, &i.Point, &i.Method, &i.Note, &i.AppliedBy, &i.AppliedAt, &removedBy, &removedAt); err != nil {
			return nil, err
		}
		i.AppliedAt, i.RemovedBy, i.RemovedAt = i.AppliedAt.UTC(), removedBy.String, timePtr(removedAt)
		out = append(out, i)
	}
	return out, rows.Err()
}
