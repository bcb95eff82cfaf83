package hse

import "context"

// AttachmentLink names the record a set of attachments documents. Entity
// types: audit, answer, finding, incident, action, permit,
// contractor_document. StationID is the record's station, so downloads
// follow the caller's station scope.
type AttachmentLink struct {
	EntityType string
	EntityID   string
	StationID  string
	// ContractorID is the contractor company of the record (a permit's
	// contractor, a contractor document's company), so its staff can open
	// the files.
	ContractorID string
}

// AttachmentSink links uploaded files to records inside a service's
// transaction (implemented by the store's transaction).
type AttachmentSink interface {
	SetAttachments(ctx context.Context, orgID string, l AttachmentLink, field string, ids []string) error
}
