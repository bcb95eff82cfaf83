package sqlstore

import (
	"context"
	"database/sql"

	"github.com/hsedigital/hse/internal/attachment"
	"github.com/hsedigital/hse/internal/hse"
)

// AttachmentStore implements attachment.Store on this database.
type AttachmentStore struct{ db *DB }

// Attachments returns the attachment store.
func (db *DB) Attachments() *AttachmentStore { return &AttachmentStore{db: db} }

// InTx runs fn in one transaction scoped as sc.
func (s *AttachmentStore) InTx(ctx context.Context, sc hse.TxScope, fn func(attachment.Tx) error) error {
	return s.db.InTx(ctx, Scope{OrgID: sc.OrgID, UserID: sc.UserID, ReadOnly: sc.ReadOnly}, func(tx *Tx) error {
		return fn(attachmentTx{tx})
	})
}

// attachmentTx implements attachment.Tx.
type attachmentTx struct{ *Tx }

var _ attachment.Tx = attachmentTx{}

const attachmentColumns = `id, file_name, content_type, size_bytes, sha256, storage_key, thumbnail_key, metadata, uploaded_by, created_at`

func (t attachmentTx) CreateAttachment(ctx context.Context, orgID string, a *attachment.Attachment) error {
	meta, err := jsonParam(a.Metadata)
	if err != nil {
		return err
	}
	_, err = t.Exec(ctx, `INSERT INTO attachments (organization_id, `+attachmentColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		orgID, a.ID, a.FileName, a.ContentType, a.SizeBytes, a.SHA256, a.StorageKey, a.ThumbnailKey, meta, nullString(a.UploadedBy), utc(a.CreatedAt))
	return err
}

func (t attachmentTx) FindAttachment(ctx context.Context, orgID, id string) (*attachment.Attachment, error) {
	var a attachment.Attachment
	var meta nullJSON
	var by sql.NullString
	err := t.QueryRow(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE organization_id = ? AND id = ?`, orgID, id).
		Scan(&a.ID, &a.FileName, &a.ContentType, &a.SizeBytes, &a.SHA256, &a.StorageKey, &a.ThumbnailKey, &meta, &by, &a.CreatedAt)
	if err != nil {
		return nil, notFound(err, "attachment")
	}
	if err := jsonScan(meta.NullString, &a.Metadata); err != nil {
		return nil, err
	}
	a.UploadedBy, a.CreatedAt = by.String, a.CreatedAt.UTC()
	return &a, nil
}

func (t attachmentTx) AttachmentLinks(ctx context.Context, orgID, id string) ([]hse.AttachmentLink, error) {
	rows, err := t.Query(ctx, `SELECT entity_type, entity_id, station_id, contractor_id FROM attachment_links
		WHERE organization_id = ? AND attachment_id = ? ORDER BY created_at, entity_type, entity_id`, orgID, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []hse.AttachmentLink
	for rows.Next() {
		var l hse.AttachmentLink
		var station, contractor sql.NullString
		if err := rows.Scan(&l.EntityType, &l.EntityID, &station, &contractor); err != nil {
			return nil, err
		}
		l.StationID, l.ContractorID = station.String, contractor.String
		out = append(out, l)
	}
	return out, rows.Err()
}

func (t attachmentTx) DeleteAttachment(ctx context.Context, orgID, id string) error {
	res, err := t.Exec(ctx, `DELETE FROM attachments WHERE organization_id = ? AND id = ?`, orgID, id)
	return expectOne(res, err, "attachment")
}

func (t attachmentTx) AttachmentUsage(ctx context.Context, orgID string) (attachment.Usage, error) {
	var u attachment.Usage
	err := t.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(size_bytes), 0) FROM attachments WHERE organization_id = ?`, orgID).Scan(&u.Files, &u.Bytes)
	return u, err
}

// AttachmentTotals is the number and size of every organization's files,
// for the storage gauges (platform scope).
func (db *DB) AttachmentTotals(ctx context.Context) (files, bytes int64, err error) {
	err = db.InTx(ctx, Scope{Platform: true, ReadOnly: true}, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(size_bytes), 0) FROM attachments`).Scan(&files, &bytes)
	})
	return files, bytes, err
}
