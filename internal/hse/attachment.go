package hse

import (
	"context"
	"fmt"
	"strings"
)

// AttachmentLink names the record a set of attachments documents. Entity
// types: audit, answer, finding, incident, action, permit,
// contractor_document, organization (its logo). StationID is the record's
// station, so downloads follow the caller's station scope.
type AttachmentLink struct {
	EntityType string
	EntityID   string
	StationID  string
	// ContractorID is the contractor company of the record (a permit's
	// contractor, a contractor document's company), so its staff can open
	// the files.
	ContractorID string
}

// FileAccess is what decides who may see an uploaded file: who uploaded
// it and the records it is linked to. ContentType is the sniffed type.
type FileAccess struct {
	UploadedBy  string
	ContentType string
	Links       []AttachmentLink
}

// MaySeeFile is the one rule of who sees a file of the organization:
// organization-wide roles see every file; station-scoped members the files
// they uploaded and those linked to records of their stations; contractor
// staff those they uploaded and those linked to their company's records
// (its permits and documents). Downloads and the files a caller may
// attach to a record both follow it.
func MaySeeFile(p *Principal, f *FileAccess) bool {
	if p.Scope.All() || f.UploadedBy == p.UserID {
		return true
	}
	for _, l := range f.Links {
		if l.StationID != "" && p.Scope.AllowsStation(l.StationID) {
			return true
		}
		if l.ContractorID != "" && p.Scope.Kind == ScopeContractor && p.Scope.AllowsContractor(l.ContractorID) {
			return true
		}
	}
	return false
}

// AttachmentSink links uploaded files to records inside a service's
// transaction (implemented by the store's transaction).
type AttachmentSink interface {
	// SetAttachments makes ids the files of the record l, checking only
	// that each is a file of the organization: services call Attach,
	// which checks that the caller may see them first.
	SetAttachments(ctx context.Context, orgID string, l AttachmentLink, field string, ids []string) error
	// FindFileAccess returns what decides who may see a file of the
	// organization; NotFound when it has none with that id.
	FindFileAccess(ctx context.Context, orgID, id string) (*FileAccess, error)
}

// Attach makes ids the files of the record l for the caller p: each must
// be a file of p's organization that p may see (MaySeeFile), or one the
// record already has (keeping it reveals nothing new). Anything else is
// reported as an unknown attachment naming the field, exactly like an id
// that was never uploaded, so a file one may not see stays unseen.
func Attach(ctx context.Context, sink AttachmentSink, p *Principal, l AttachmentLink, field string, ids []string) error {
	if _, err := VisibleFiles(ctx, sink, p, l, field, ids); err != nil {
		return err
	}
	return sink.SetAttachments(ctx, p.OrgID, l, field, ids)
}

// VisibleFiles checks ids as Attach does, without linking them, and
// returns what it read of each file, in order.
func VisibleFiles(ctx context.Context, sink AttachmentSink, p *Principal, l AttachmentLink, field string, ids []string) ([]*FileAccess, error) {
	out := make([]*FileAccess, 0, len(ids))
	for i, id := range ids {
		f, err := sink.FindFileAccess(ctx, p.OrgID, id)
		if IsNotFound(err) {
			return nil, UnknownAttachment(AttachmentField(field, i))
		}
		if err != nil {
			return nil, err
		}
		if !linkedTo(f.Links, l) && !MaySeeFile(p, f) {
			return nil, UnknownAttachment(AttachmentField(field, i))
		}
		out = append(out, f)
	}
	return out, nil
}

// linkedTo reports whether links include the record l.
func linkedTo(links []AttachmentLink, l AttachmentLink) bool {
	for _, x := range links {
		if x.EntityType == l.EntityType && x.EntityID == l.EntityID {
			return true
		}
	}
	return false
}

// UnknownAttachment is the refusal of an attachment id that is not a file
// of the organization the caller may see: 422 UNKNOWN_ATTACHMENT naming
// the field.
func UnknownAttachment(field string) *Error {
	return &Error{Kind: KindUnprocessable, Code: "UNKNOWN_ATTACHMENT", Message: "an attachment does not exist",
		Fields: []FieldError{{Field: field, Message: "no such attachment in this organization; upload it first (POST /api/upload)"}}}
}

// AttachmentField names the i-th id of a list field ("attachmentIds[2]"),
// or the field itself when it holds a single id ("attachmentId",
// "settings.logoFileId").
func AttachmentField(field string, i int) string {
	if strings.HasSuffix(field, "Ids") {
		return fmt.Sprintf("%s[%d]", field, i)
	}
	return field
}
