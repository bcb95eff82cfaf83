package attachment

import (
	"context"
	"fmt"
	"io"

	"github.com/hsedigital/hse/internal/hse"
)

// visible reports whether p may see an attachment: hse.MaySeeFile, the
// rule records follow too when files are attached to them. Anything else
// is reported as not found.
func visible(p *hse.Principal, a *Attachment, links []hse.AttachmentLink) bool {
	return hse.MaySeeFile(p, &hse.FileAccess{UploadedBy: a.UploadedBy, ContentType: a.ContentType, Links: links})
}

// find loads an attachment p may see, with its links.
func (s *Service) find(ctx context.Context, tx Tx, p *hse.Principal, id string) (*Attachment, []hse.AttachmentLink, error) {
	a, err := tx.FindAttachment(ctx, p.OrgID, id)
	if err != nil {
		return nil, nil, err
	}
	links, err := tx.AttachmentLinks(ctx, p.OrgID, id)
	if err != nil {
		return nil, nil, err
	}
	if !visible(p, a, links) {
		return nil, nil, hse.NotFound("attachment")
	}
	return a, links, nil
}

// Attachment returns one attachment's metadata with the records it is
// linked to.
func (s *Service) Attachment(ctx context.Context, p *hse.Principal, id string) (*Attachment, []hse.AttachmentLink, error) {
	var a *Attachment
	var links []hse.AttachmentLink
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		var err error
		a, links, err = s.find(ctx, tx, p, id)
		return err
	})
	return a, links, err
}

// Open returns an attachment p may see and a reader of its content, or of
// its thumbnail when thumbnail is set (not found when it has none). The
// caller closes the reader.
func (s *Service) Open(ctx context.Context, p *hse.Principal, id string, thumbnail bool) (*Attachment, io.ReadCloser, int64, error) {
	a, _, err := s.Attachment(ctx, p, id)
	if err != nil {
		return nil, nil, 0, err
	}
	return s.openBlob(ctx, a, thumbnail)
}

// openBlob opens the bytes of a file or of its thumbnail.
func (s *Service) openBlob(ctx context.Context, a *Attachment, thumbnail bool) (*Attachment, io.ReadCloser, int64, error) {
	key := a.StorageKey
	if thumbnail {
		if a.ThumbnailKey == "" {
			return nil, nil, 0, hse.NotFound("thumbnail")
		}
		key = a.ThumbnailKey
	}
	r, err := s.Bucket.NewReader(ctx, key, nil)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("opening %s: %w", key, err)
	}
	return a, r, r.Size(), nil
}

// Usage is the storage p's organization uses.
func (s *Service) Usage(ctx context.Context, p *hse.Principal) (Usage, error) {
	if err := p.Require(hse.PermOrgRead); err != nil {
		return Usage{}, err
	}
	var u Usage
	err := s.Store.InTx(ctx, hse.ScopeOf(p, true), func(tx Tx) error {
		var err error
		u, err = tx.AttachmentUsage(ctx, p.OrgID)
		return err
	})
	return u, err
}
