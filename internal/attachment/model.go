// Package attachment holds the rules of uploaded files: who may upload and
// download them, which content is accepted (sniffed from the bytes, never
// taken from the client), how large a file may be, what is learnt from
// images (EXIF location, dimensions) and the EXIF-free thumbnails served in
// their place. The bytes live in blob storage; the store keeps one row per
// file and the links from records to files.
package attachment

import (
	"context"
	"time"

	"github.com/hsedigital/hse/internal/hse"
)

// Attachment is one uploaded file of an organization.
type Attachment struct {
	ID          string
	FileName    string // sanitised; never part of a storage key
	ContentType string // sniffed from the bytes
	SizeBytes   int64
	SHA256      string // hex digest of the content
	// StorageKey and ThumbnailKey locate the bytes in the files bucket;
	// ThumbnailKey is empty when there is no thumbnail.
	StorageKey   string
	ThumbnailKey string
	Metadata     Metadata
	UploadedBy   string
	CreatedAt    time.Time
}

// Metadata is what was learnt from a file's content.
type Metadata struct {
	// Width and Height are an image's dimensions in pixels.
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// Latitude and Longitude come from an image's EXIF GPS tags; they are
	// kept here and never in a served thumbnail.
	Latitude  *float64   `json:"latitude,omitempty"`
	Longitude *float64   `json:"longitude,omitempty"`
	TakenAt   *time.Time `json:"takenAt,omitempty"`
	// ThumbnailType is the content type of the thumbnail when there is one.
	ThumbnailType string `json:"thumbnailType,omitempty"`
}

// HasLocation reports whether the file carried a GPS position.
func (m Metadata) HasLocation() bool { return m.Latitude != nil && m.Longitude != nil }

// Usage is the storage an organization's files take.
type Usage struct {
	Files int64
	Bytes int64
	// ThumbnailBytes are not counted in Bytes: they are the platform's
	// derivatives, not the organization's uploads.
}

// Store opens transactions.
type Store interface {
	InTx(ctx context.Context, sc hse.TxScope, fn func(Tx) error) error
}

// Tx is what the attachment rules do inside one transaction.
type Tx interface {
	hse.EventSink
	CreateAttachment(ctx context.Context, orgID string, a *Attachment) error
	FindAttachment(ctx context.Context, orgID, id string) (*Attachment, error)
	// AttachmentLinks lists the records that use an attachment, with
	// their stations.
	AttachmentLinks(ctx context.Context, orgID, id string) ([]hse.AttachmentLink, error)
	DeleteAttachment(ctx context.Context, orgID, id string) error
	AttachmentUsage(ctx context.Context, orgID string) (Usage, error)
	AppendAudit(ctx context.Context, e *hse.AuditEntry) error
}

// UploadPermissions are the permissions of members who create records that
// carry files. Holding any one of them allows an upload; read-only roles
// (Viewer) hold none.
var UploadPermissions = []hse.Permission{
	"incidents:report", "audits:conduct", "actions:complete", "actions:create",
	"permits:request", "contractors:update",
}

// canUpload reports whether p holds one of UploadPermissions.
func canUpload(p *hse.Principal) bool {
	for _, perm := range UploadPermissions {
		if p.Can(perm) {
			return true
		}
	}
	return false
}

// isAdmin reports whether p may manage every file of the organization.
func isAdmin(p *hse.Principal) bool {
	return p.Can(hse.PermUsersRemove) || p.RoleID == hse.SystemRoleID(hse.RoleOwner) || p.RoleID == hse.SystemRoleID(hse.RoleAdmin)
}
