package attachment

import (
	"context"

	"github.com/hsedigital/hse/internal/hse"
)

// Delete removes an attachment uploaded by mistake: only its uploader or
// an administrator may, and only while no record uses it (records keep
// their evidence). The audit trail keeps what it was.
func (s *Service) Delete(ctx context.Context, p *hse.Principal, id string) error {
	var a *Attachment
	err := s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		var links []hse.AttachmentLink
		var err error
		if a, links, err = s.find(ctx, tx, p, id); err != nil {
			return err
		}
		if a.UploadedBy != p.UserID && !isAdmin(p) {
			return hse.Forbidden("FORBIDDEN", "only the member who uploaded a file or an administrator may delete it")
		}
		if len(links) > 0 {
			e := hse.Conflict("ATTACHMENT_IN_USE", "the file is attached to %d record(s); remove it from them first", len(links))
			e.Details = map[string]any{"links": len(links)}
			return e
		}
		if err := tx.DeleteAttachment(ctx, p.OrgID, id); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, hse.NewAuditEntry(ctx, p, s.now(), "attachment.deleted", "attachment", id, snapshot(a), nil))
	})
	if err != nil {
		return err
	}
	// The bytes go once the row is gone: a failure here leaves an
	// unreachable blob, never a row without its file.
	s.remove(ctx, a.StorageKey)
	s.remove(ctx, a.ThumbnailKey)
	return nil
}
