package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/hsedigital/hse/internal/contractor"
	"github.com/hsedigital/hse/internal/hse"
)

// ContractorStore implements contractor.Store on this database.
type ContractorStore struct{ db *DB }

// Contractors returns the contractor store.
func (db *DB) Contractors() *ContractorStore { return &ContractorStore{db: db} }

// InTx runs fn in one transaction scoped as sc.
func (s *ContractorStore) InTx(ctx context.Context, sc hse.TxScope, fn func(contractor.Tx) error) error {
	return s.db.InTx(ctx, Scope{OrgID: sc.OrgID, UserID: sc.UserID, ReadOnly: sc.ReadOnly}, func(tx *Tx) error {
		return fn(contractorTx{tx})
	})
}

// contractorTx implements contractor.Tx.
type contractorTx struct{ *Tx }

var _ contractor.Tx = contractorTx{}

// contractorSelect reads contractors with DocumentsValid computed for the
// day passed as its first parameter.
const contractorSelect = `SELECT id, name, licence_number, specialization, contact_name, contact_email, contact_phone,
	status, version, created_at, updated_at, station_ids,
	NOT EXISTS (SELECT 1 FROM contractor_documents d WHERE d.organization_id = c.organization_id
		AND d.contractor_id = c.id AND d.expires_on < ?)
	FROM contractors c`

func scanContractor(row interface{ Scan(...any) error }) (*contractor.Contractor, error) {
	var c contractor.Contractor
	var stations nullJSON
	if err := row.Scan(&c.ID, &c.Name, &c.LicenceNumber, &c.Specialization, &c.ContactName, &c.ContactEmail, &c.ContactPhone,
		&c.Status, &c.Version, &c.CreatedAt, &c.UpdatedAt, &stations, &c.DocumentsValid); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt, c.StationIDs = c.CreatedAt.UTC(), c.UpdatedAt.UTC(), []string{}
	return &c, jsonScan(stations.NullString, &c.StationIDs)
}

// day is a date parameter: UTC midnight, the form both engines store in
// DATE columns and compare correctly.
func day(t time.Time) time.Time { return contractor.Day(t) }

func nullDay(t *time.Time) any {
	if t == nil {
		return nil
	}
	return day(*t)
}

func (t contractorTx) CreateContractor(ctx context.Context, orgID string, c *contractor.Contractor) error {
	stations, err := jsonParam(orEmpty(c.StationIDs))
	if err != nil {
		return err
	}
	_, err = t.Exec(ctx, `INSERT INTO contractors (organization_id, id, name, licence_number, specialization, contact_name,
		contact_email, contact_phone, status, version, created_at, updated_at, station_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		orgID, c.ID, c.Name, c.LicenceNumber, c.Specialization, c.ContactName, c.ContactEmail, c.ContactPhone, c.Status,
		c.Version, utc(c.CreatedAt), utc(c.UpdatedAt), stations)
	return err
}

func (t contractorTx) FindContractor(ctx context.Context, orgID, id string, today time.Time) (*contractor.Contractor, error) {
	c, err := scanContractor(t.QueryRow(ctx, contractorSelect+` WHERE c.organization_id = ? AND c.id = ?`, day(today), orgID, id))
	if err != nil {
		return nil, notFound(err, "contractor")
	}
	return c, nil
}

var contractorSorts = map[string]sortKey{
	"":          {expr: "name", kind: sortText, of: func(c any) string { return c.(*contractor.Contractor).Name }},
	"name":      {expr: "name", kind: sortText, of: func(c any) string { return c.(*contractor.Contractor).Name }},
	"status":    {expr: "status", kind: sortText, of: func(c any) string { return c.(*contractor.Contractor).Status }},
	"createdAt": {expr: "created_at", kind: sortTime, of: func(c any) string { return timeKey(c.(*contractor.Contractor).CreatedAt) }},
}

func (t contractorTx) FindContractors(ctx context.Context, orgID string, f contractor.Filter, page hse.PageRequest) (hse.Page[contractor.Contractor], error) {
	w := newWhere("organization_id = ?", orgID)
	w.pre = []any{day(f.Today)} // the day of the DocumentsValid subquery
	w.addIf(f.Only != "", "id = ?", f.Only)
	w.addIf(f.Status != "", "status = ?", f.Status)
	w.addIf(f.Specialization != "", "specialization = ?", f.Specialization)
	if f.Q != "" {
		like := likePattern(f.Q)
		w.add(`(LOWER(name) LIKE ? ESCAPE '\' OR LOWER(licence_number) LIKE ? ESCAPE '\')`, like, like)
	}
	return findPage(ctx, t.Tx, contractorSelect, w, contractorSorts[page.Sort], page, scanContractor,
		func(c *contractor.Contractor) string { return c.ID })
}

func (t contractorTx) UpdateContractor(ctx context.Context, orgID string, c *contractor.Contractor, version int64) error {
	stations, err := jsonParam(orEmpty(c.StationIDs))
	if err != nil {
		return err
	}
	res, err := t.Exec(ctx, `UPDATE contractors SET name = ?, licence_number = ?, specialization = ?, contact_name = ?,
		contact_email = ?, contact_phone = ?, status = ?, version = ?, updated_at = ?, station_ids = ?
		WHERE organization_id = ? AND id = ? AND version = ?`,
		c.Name, c.LicenceNumber, c.Specialization, c.ContactName, c.ContactEmail, c.ContactPhone, c.Status, c.Version,
		utc(c.UpdatedAt), stations, orgID, c.ID, version)
	return t.expectVersion(ctx, res, err, "contractors", "contractor", orgID, c.ID)
}

const documentColumns = `id, contractor_id, type, number, issued_on, expires_on, attachment_id, created_at`

func scanDocument(row interface{ Scan(...any) error }) (*contractor.Document, error) {
	var d contractor.Document
	var issued, expires sql.NullTime
	var attachment sql.NullString
	if err := row.Scan(&d.ID, &d.ContractorID, &d.Type, &d.Number, &issued, &expires, &attachment, &d.CreatedAt); err != nil {
		return nil, err
	}
	d.IssuedOn, d.ExpiresOn, d.AttachmentID, d.CreatedAt = timePtr(issued), timePtr(expires), attachment.String, d.CreatedAt.UTC()
	return &d, nil
}

func (t contractorTx) CreateContractorDocument(ctx context.Context, orgID string, d *contractor.Document) error {
	_, err := t.Exec(ctx, `INSERT INTO contractor_documents (organization_id, `+documentColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		orgID, d.ID, d.ContractorID, d.Type, d.Number, nullDay(d.IssuedOn), nullDay(d.ExpiresOn), nullString(d.AttachmentID), utc(d.CreatedAt))
	return err
}

func (t contractorTx) FindContractorDocuments(ctx context.Context, orgID, contractorID string) ([]contractor.Document, error) {
	// Documents without expiry sort last: they never need attention.
	rows, err := t.Query(ctx, `SELECT `+documentColumns+` FROM contractor_documents WHERE organization_id = ? AND contractor_id = ?
		ORDER BY CASE WHEN expires_on IS NULL THEN 1 ELSE 0 END, expires_on, id`, orgID, contractorID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []contractor.Document{}
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, rows.Err()
}

func (t contractorTx) FindContractorDocument(ctx context.Context, orgID, contractorID, id string) (*contractor.Document, error) {
	d, err := scanDocument(t.QueryRow(ctx, `SELECT `+documentColumns+` FROM contractor_documents
		WHERE organization_id = ? AND contractor_id = ? AND id = ?`, orgID, contractorID, id))
	if err != nil {
		return nil, notFound(err, "document")
	}
	return d, nil
}

func (t contractorTx) DeleteContractorDocument(ctx context.Context, orgID, contractorID, id string) error {
	res, err := t.Exec(ctx, `DELETE FROM contractor_documents WHERE organization_id = ? AND contractor_id = ? AND id = ?`, orgID, contractorID, id)
	return expectOne(res, err, "document")
}

// ContractorStations lists the stations where a contractor company may
// work (empty: every station). A company that does not exist has none: a
// contractor membership always names one of the organization's.
func (t stationTx) ContractorStations(ctx context.Context, orgID, contractorID string) ([]string, error) {
	var stations nullJSON
	err := t.QueryRow(ctx, `SELECT station_ids FROM contractors WHERE organization_id = ? AND id = ?`, orgID, contractorID).Scan(&stations)
	if errors.Is(err, sql.ErrNoRows) {
		return []string{"-"}, nil // no company: a list that matches no station
	}
	if err != nil {
		return nil, err
	}
	var ids []string
	return ids, jsonScan(stations.NullString, &ids)
}
