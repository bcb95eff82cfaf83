package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/hsedigital/hse/internal/contractor"
	"github.com/hsedigital/hse/internal/hse"
	"github.com/hsedigital/hse/internal/identity"
	"github.com/hsedigital/hse/internal/importer"
	"github.com/hsedigital/hse/internal/station"
)

// ImportStore implements importer.Store on this database.
type ImportStore struct{ db *DB }

// Imports returns the import store.
func (db *DB) Imports() *ImportStore { return &ImportStore{db: db} }

// InTx runs fn in one transaction scoped as sc.
func (s *ImportStore) InTx(ctx context.Context, sc hse.TxScope, fn func(importer.Tx) error) error {
	return s.db.InTx(ctx, Scope{OrgID: sc.OrgID, UserID: sc.UserID, ReadOnly: sc.ReadOnly}, func(tx *Tx) error {
		return fn(importTx{tx})
	})
}

// importTx implements importer.Tx: the imports' own tables here, the
// records they write through the domains' statements.
type importTx struct{ *Tx }

var _ importer.Tx = importTx{}

const importColumns = `id, kind, format, file_name, dry_run, status, total, processed, created, updated, unchanged, failed,
	error_count, created_by, created_at, updated_at, finished_at`

func scanImport(row interface{ Scan(...any) error }, withErrors bool) (*importer.Import, error) {
	var im importer.Import
	var finished sql.NullTime
	var errs nullJSON
	dest := []any{&im.ID, &im.Kind, &im.Format, &im.FileName, &im.DryRun, &im.Status, &im.Total, &im.Processed, &im.Created,
		&im.Updated, &im.Unchanged, &im.Failed, &im.ErrorCount, &im.CreatedBy, &im.CreatedAt, &im.UpdatedAt, &finished}
	if withErrors {
		dest = append(dest, &errs)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	im.CreatedAt, im.UpdatedAt, im.FinishedAt = im.CreatedAt.UTC(), im.UpdatedAt.UTC(), timePtr(finished)
	im.Errors = []importer.RowError{}
	return &im, jsonScan(errs.NullString, &im.Errors)
}

func (t importTx) CreateImport(ctx context.Context, orgID string, im *importer.Import) error {
	errs, err := jsonParam(orEmptyOf(im.Errors))
	if err != nil {
		return err
	}
	_, err = t.Exec(ctx, `INSERT INTO imports (organization_id, `+importColumns+`, errors)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		orgID, im.ID, im.Kind, im.Format, im.FileName, im.DryRun, im.Status, im.Total, im.Processed, im.Created, im.Updated,
		im.Unchanged, im.Failed, im.ErrorCount, im.CreatedBy, utc(im.CreatedAt), utc(im.UpdatedAt), nullTime(im.FinishedAt), errs)
	return err
}

func (t importTx) UpdateImport(ctx context.Context, orgID string, im *importer.Import) error {
	errs, err := jsonParam(orEmptyOf(im.Errors))
	if err != nil {
		return err
	}
	res, err := t.Exec(ctx, `UPDATE imports SET status = ?, total = ?, processed = ?, created = ?, updated = ?, unchanged = ?,
		failed = ?, error_count = ?, errors = ?, updated_at = ?, finished_at = ? WHERE organization_id = ? AND id = ?`,
		im.Status, im.Total, im.Processed, im.Created, im.Updated, im.Unchanged, im.Failed, im.ErrorCount, errs,
		utc(im.UpdatedAt), nullTime(im.FinishedAt), orgID, im.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return notFound(sql.ErrNoRows, "import")
	}
	return nil
}

func (t importTx) FindImport(ctx context.Context, orgID, id string) (*importer.Import, error) {
	im, err := scanImport(t.QueryRow(ctx, `SELECT `+importColumns+`, errors FROM imports WHERE organization_id = ? AND id = ?`, orgID, id), true)
	if err != nil {
		return nil, notFound(err, "import")
	}
	return im, nil
}

func (t importTx) FindImports(ctx context.Context, orgID string, kinds []string, limit int) ([]importer.Import, error) {
	args := []any{orgID}
	for _, k := range kinds {
		args = append(args, k)
	}
	args = append(args, limit)
	rows, err := t.Query(ctx, `SELECT `+importColumns+` FROM imports WHERE organization_id = ? AND kind IN (`+placeholders(len(kinds))+`)
		ORDER BY id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []importer.Import{}
	for rows.Next() {
		im, err := scanImport(rows, false)
		if err != nil {
			return nil, err
		}
		out = append(out, *im)
	}
	return out, rows.Err()
}

// inBatches runs fn over values in slices small enough for any engine's
// limit on parameters.
func inBatches(values []string, fn func([]string) error) error {
	const batch = 500
	for start := 0; start < len(values); start += batch {
		if err := fn(values[start:min(start+batch, len(values))]); err != nil {
			return err
		}
	}
	return nil
}

func (t importTx) FindExternalRefs(ctx context.Context, orgID, kind string, codes []string) (map[string]string, error) {
	out := map[string]string{}
	err := inBatches(codes, func(part []string) error {
		args := []any{orgID, kind}
		for _, c := range part {
			args = append(args, c)
		}
		rows, err := t.Query(ctx, `SELECT code, entity_id FROM external_refs WHERE organization_id = ? AND kind = ?
			AND code IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var code, id string
			if err := rows.Scan(&code, &id); err != nil {
				return err
			}
			out[code] = id
		}
		return rows.Err()
	})
	return out, err
}

func (t importTx) PutExternalRef(ctx context.Context, orgID, kind, code, entityID string) error {
	_, err := t.Exec(ctx, `INSERT INTO external_refs (organization_id, kind, code, entity_id, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (organization_id, kind, code) DO UPDATE SET entity_id = excluded.entity_id`,
		orgID, kind, code, entityID, utc(time.Now()))
	return err
}

func (t importTx) FindStationsByCode(ctx context.Context, orgID string, codes []string) (map[string]*station.Station, error) {
	out := map[string]*station.Station{}
	err := inBatches(codes, func(part []string) error {
		args := []any{orgID}
		for _, c := range part {
			args = append(args, c)
		}
		rows, err := t.Query(ctx, `SELECT `+stationColumns+` FROM stations WHERE organization_id = ? AND code IN (`+placeholders(len(part))+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			s, err := scanStation(rows)
			if err != nil {
				return err
			}
			out[s.Code] = s
		}
		return rows.Err()
	})
	return out, err
}

func (t importTx) CreateStations(ctx context.Context, orgID string, ss []*station.Station) error {
	rows := make([][]any, 0, len(ss))
	for _, s := range ss {
		managers, err := jsonParam(orEmpty(s.ManagerUserIDs))
		if err != nil {
			return err
		}
		rows = append(rows, []any{orgID, s.ID, s.Code, s.Name, s.Brand, s.Region, s.Address, nullFloat(s.Latitude), nullFloat(s.Longitude),
			s.RiskCategory, s.AuditFrequency, managers, s.Active, s.Version, utc(s.CreatedAt), utc(s.UpdatedAt), s.TimeZone})
	}
	err := t.insertRows(ctx, `INSERT INTO stations (organization_id, `+stationColumns+`)`, rows)
	if isUniqueViolation(err) {
		// Another import or a user added one of these codes meanwhile.
		return hse.Conflict("STATION_CODE_TAKEN", "a station of this file was added by someone else meanwhile; run the file again")
	}
	return err
}

func (t importTx) UpdateStation(ctx context.Context, orgID string, s *station.Station, version int64) error {
	return stationTx{t.Tx}.UpdateStation(ctx, orgID, s, version)
}

func (t importTx) FindContractor(ctx context.Context, orgID, id string, today time.Time) (*contractor.Contractor, error) {
	return contractorTx{t.Tx}.FindContractor(ctx, orgID, id, today)
}

func (t importTx) CreateContractor(ctx context.Context, orgID string, c *contractor.Contractor) error {
	return contractorTx{t.Tx}.CreateContractor(ctx, orgID, c)
}

func (t importTx) UpdateContractor(ctx context.Context, orgID string, c *contractor.Contractor, version int64) error {
	return contractorTx{t.Tx}.UpdateContractor(ctx, orgID, c, version)
}

func (t importTx) FindContractorDocuments(ctx context.Context, orgID, contractorID string) ([]contractor.Document, error) {
	return contractorTx{t.Tx}.FindContractorDocuments(ctx, orgID, contractorID)
}

func (t importTx) CreateContractorDocument(ctx context.Context, orgID string, d *contractor.Document) error {
	return contractorTx{t.Tx}.CreateContractorDocument(ctx, orgID, d)
}

func (t importTx) UpdateContractorDocument(ctx context.Context, orgID string, d *contractor.Document) error {
	res, err := t.Exec(ctx, `UPDATE contractor_documents SET type = ?, number = ?, issued_on = ?, expires_on = ?
		WHERE organization_id = ? AND contractor_id = ? AND id = ?`,
		d.Type, d.Number, nullDay(d.IssuedOn), nullDay(d.ExpiresOn), orgID, d.ContractorID, d.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return hse.NotFound("document")
	}
	return nil
}

func (t importTx) FindRoles(ctx context.Context, orgID string) ([]identity.Role, error) {
	return identityTx{t.Tx}.FindRoles(ctx, orgID)
}

func (t importTx) IsMemberEmail(ctx context.Context, orgID, email string) (bool, error) {
	var n int
	err := t.QueryRow(ctx, `SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.organization_id = ? AND u.email = ?`, orgID, email).Scan(&n)
	return n > 0, err
}

func (t importTx) FindPendingInvitation(ctx context.Context, orgID, email string, now time.Time) (*importer.PendingInvitation, error) {
	var p importer.PendingInvitation
	var stations nullJSON
	var contractor sql.NullString
	err := t.QueryRow(ctx, `SELECT role_id, station_ids, contractor_id FROM invitations
		WHERE organization_id = ? AND email = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?
		ORDER BY created_at DESC LIMIT 1`, orgID, email, utc(now)).Scan(&p.RoleID, &stations, &contractor)
	if err != nil {
		return nil, notFound(err, "invitation")
	}
	p.ContractorID = contractor.String
	return &p, jsonScan(stations.NullString, &p.StationIDs)
}

// insertBatch is how many rows one multi-row INSERT carries: few enough
// for either engine's limit on parameters, and one statement text for
// the prepared-statement cache.
const insertBatch = 100

// insertRows inserts rows of values with prefix ("INSERT INTO t (a, b)")
// in multi-row statements: an import's cost is mostly round trips.
func (t importTx) insertRows(ctx context.Context, prefix string, rows [][]any) error {
	for start := 0; start < len(rows); start += insertBatch {
		part := rows[start:min(start+insertBatch, len(rows))]
		one := "(" + placeholders(len(part[0])) + ")"
		values := make([]string, len(part))
		args := make([]any, 0, len(part)*len(part[0]))
		for i, r := range part {
			values[i] = one
			args = append(args, r...)
		}
		if _, err := t.Exec(ctx, prefix+" VALUES "+strings.Join(values, ", "), args...); err != nil {
			return err
		}
	}
	return nil
}

// EmitEvents writes events to the outbox as Emit does, in few statements.
func (t importTx) EmitEvents(ctx context.Context, es []*hse.Event) error {
	rows := make([][]any, 0, len(es))
	for _, e := range es {
		if e.OrgID == "" || e.Type == "" {
			return fmt.Errorf("event without organization or type: %+v", e)
		}
		var payload any
		if e.Payload != nil {
			p, err := jsonParam(e.Payload)
			if err != nil {
				return err
			}
			payload = p
		}
		rows = append(rows, []any{e.OrgID, e.ID, e.Type, e.EntityType, e.EntityID, nullString(e.ActorUserID), utc(e.OccurredAt), payload})
	}
	return t.insertRows(ctx, `INSERT INTO outbox_events (organization_id, id, type, entity_type, entity_id, actor_user_id, occurred_at, payload)`, rows)
}

// AppendAudits adds entries as AppendAudit does, in few statements.
func (t importTx) AppendAudits(ctx context.Context, es []*hse.AuditEntry) error {
	rows := make([][]any, 0, len(es))
	for _, e := range es {
		var before, after any
		if e.Before != nil {
			b, err := jsonParam(e.Before)
			if err != nil {
				return err
			}
			before = b
		}
		if e.After != nil {
			a, err := jsonParam(e.After)
			if err != nil {
				return err
			}
			after = a
		}
		rows = append(rows, []any{e.ID, nullString(e.OrgID), utc(e.OccurredAt), nullString(e.ActorUserID), e.ActorEmail, e.Action,
			e.EntityType, e.EntityID, before, after, e.IP, e.UserAgent, e.RequestID})
	}
	return t.insertRows(ctx, `INSERT INTO audit_log (`+auditColumns+`)`, rows)
}
