package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// SetAttachments makes ids the attachments of one record, in the caller's
// transaction: links to ids not listed are removed, new ones added. Every
// id must be an attachment of the organization; otherwise nothing changes
// and the error names the field (field, for example "attachmentIds", or
// "attachmentId" for a record with one file): an unknown id is
// unprocessable (422), a repeated one invalid (400).
func (t *Tx) SetAttachments(ctx context.Context, orgID string, l hse.AttachmentLink, field string, ids []string) error {
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		if seen[id] {
			return hse.Invalid("an attachment is listed twice", hse.FieldError{Field: hse.AttachmentField(field, i), Message: "listed twice"})
		}
		seen[id] = true
		var n int
		if err := t.QueryRow(ctx, `SELECT COUNT(*) FROM attachments WHERE organization_id = ? AND id = ?`, orgID, id).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return hse.UnknownAttachment(hse.AttachmentField(field, i))
		}
	}
	if _, err := t.Exec(ctx, `DELETE FROM attachment_links WHERE organization_id = ? AND entity_type = ? AND entity_id = ?`,
		orgID, l.EntityType, l.EntityID); err != nil {
		return err
	}
	now := utc(time.Now())
	for _, id := range ids {
		if _, err := t.Exec(ctx, `INSERT INTO attachment_links (organization_id, attachment_id, entity_type, entity_id, station_id, contractor_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, orgID, id, l.EntityType, l.EntityID, nullString(l.StationID), nullString(l.ContractorID), now); err != nil {
			return err
		}
	}
	return nil
}

// FindFileAccess reads who uploaded a file of the organization, its type
// and the records it is linked to: what decides who may see it.
func (t *Tx) FindFileAccess(ctx context.Context, orgID, id string) (*hse.FileAccess, error) {
	var f hse.FileAccess
	var by sql.NullString
	if err := t.QueryRow(ctx, `SELECT uploaded_by, content_type FROM attachments WHERE organization_id = ? AND id = ?`, orgID, id).
		Scan(&by, &f.ContentType); err != nil {
		return nil, notFound(err, "attachment")
	}
	f.UploadedBy = by.String
	links, err := attachmentTx{t}.AttachmentLinks(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	f.Links = links
	return &f, nil
}
