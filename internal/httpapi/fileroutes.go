package httpapi

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/hsedigital/hse/internal/attachment"
	"github.com/hsedigital/hse/internal/hse"
)

// AttachmentView is an uploaded file's metadata.
type AttachmentView struct {
	ID          string     `json:"id"`
	FileName    string     `json:"fileName" doc:"the client's name, sanitised"`
	ContentType string     `json:"contentType" doc:"sniffed from the content, not taken from the client"`
	SizeBytes   int64      `json:"sizeBytes"`
	SHA256      string     `json:"sha256"`
	CreatedAt   time.Time  `json:"createdAt"`
	UploadedBy  string     `json:"uploadedBy,omitempty"`
	Thumbnail   bool       `json:"thumbnail" doc:"GET /api/attachments/{id}/thumbnail serves an EXIF-free preview"`
	Width       int        `json:"width,omitempty" doc:"images: pixels"`
	Height      int        `json:"height,omitempty" doc:"images: pixels"`
	HasLocation bool       `json:"hasLocation" doc:"the image's EXIF carried a GPS position (kept here, never in the thumbnail)"`
	Latitude    *float64   `json:"latitude,omitempty"`
	Longitude   *float64   `json:"longitude,omitempty"`
	TakenAt     *time.Time `json:"takenAt,omitempty" doc:"EXIF DateTimeOriginal, as recorded by the camera"`
	// Links are included when one attachment is read.
	Links []AttachmentLinkView `json:"links,omitempty"`
}

// AttachmentLinkView is a record an attachment documents.
type AttachmentLinkView struct {
	EntityType string `json:"entityType"`
	EntityID   string `json:"entityId"`
	StationID  string `json:"stationId,omitempty"`
}

func attachmentView(a *attachment.Attachment, links []hse.AttachmentLink) AttachmentView {
	m := a.Metadata
	v := AttachmentView{ID: a.ID, FileName: a.FileName, ContentType: a.ContentType, SizeBytes: a.SizeBytes, SHA256: a.SHA256,
		CreatedAt: a.CreatedAt, UploadedBy: a.UploadedBy, Thumbnail: a.ThumbnailKey != "", Width: m.Width, Height: m.Height,
		HasLocation: m.HasLocation(), Latitude: m.Latitude, Longitude: m.Longitude, TakenAt: m.TakenAt}
	for _, l := range links {
		v.Links = append(v.Links, AttachmentLinkView{EntityType: l.EntityType, EntityID: l.EntityID, StationID: l.StationID})
	}
	return v
}

// StorageView is an organization's storage use.
type StorageView struct {
	Files int64 `json:"files"`
	Bytes int64 `json:"bytes" doc:"sum of the uploaded files' sizes (thumbnails not counted)"`
}

// uploadEnvelope is what a multipart body may carry beyond the file
// itself: boundaries, part headers and small fields.
const uploadEnvelope = 64 << 10

// uploadInput gives the handler the raw request, so the body streams
// instead of being read by the framework.
type uploadInput struct {
	req *http.Request
	w   http.ResponseWriter
}

// Resolve implements huma.Resolver.
func (u *uploadInput) Resolve(ctx huma.Context) []error {
	u.req, u.w = humago.Unwrap(ctx)
	return nil
}

type attachmentPath struct {
	ID string `path:"id" maxLength:"64"`
}

// filePart finds the "file" part of a multipart body, reading through the
// parts before it (small fields) without keeping them.
func filePart(r *http.Request) (*multipart.Part, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, hse.Invalid("send the file as multipart/form-data in a field named \"file\"", hse.FieldError{Field: "file", Message: "required"})
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, hse.Invalid("the form has no field named \"file\"", hse.FieldError{Field: "file", Message: "required"})
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, err
			}
			return nil, hse.Invalid("the multipart body is malformed: "+err.Error(), hse.FieldError{Field: "file", Message: "malformed"})
		}
		if part.FormName() == "file" {
			return part, nil
		}
		if _, err := io.Copy(io.Discard, io.LimitReader(part, uploadEnvelope)); err != nil {
			return nil, hse.Invalid("the multipart body is malformed: "+err.Error(), hse.FieldError{Field: "file", Message: "malformed"})
		}
	}
}

// sendFile streams a stored file with the headers that keep a browser
// from running it: the sniffed type, nosniff, a sandboxing CSP and, for
// the original, a download rather than a display.
func sendFile(hctx huma.Context, rc io.ReadCloser, size int64, contentType, disposition, name, etagValue string) {
	defer rc.Close()
	hctx.SetHeader("Content-Type", contentType)
	hctx.SetHeader("Content-Length", strconv.FormatInt(size, 10))
	hctx.SetHeader("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": name}))
	hctx.SetHeader("X-Content-Type-Options", "nosniff")
	hctx.SetHeader("Content-Security-Policy", "sandbox; default-src 'none'")
	hctx.SetHeader("Cross-Origin-Resource-Policy", "same-origin")
	hctx.SetHeader("Cache-Control", "private, no-cache")
	hctx.SetHeader("ETag", `"`+etagValue+`"`)
	_, _ = io.CopyBuffer(hctx.BodyWriter(), rc, make([]byte, 32<<10))
}

// thumbnailName is the file name a thumbnail is served under.
func thumbnailName(a *attachment.Attachment) string {
	if a.Metadata.ThumbnailType == "image/jpeg" {
		return "thumbnail.jpg"
	}
	return "thumbnail.png"
}

// FileLinkView is a signed file link.
type FileLinkView struct {
	URL       string    `json:"url" doc:"relative to the API's origin; works without a token until expiresAt"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func registerFiles(api huma.API, d Deps) {
	svc := d.Files
	tags := []string{"Files"}
	fail := func(ctx context.Context, err error) error { return problemFor(ctx, d.Logger, err) }

	huma.Register(api, huma.Operation{OperationID: "uploadFile", Method: http.MethodPost, Path: "/api/upload", Tags: tags, Security: bearer, DefaultStatus: 201,
		Summary: "Upload a file",
		Description: "multipart/form-data with the file in the field `file`. The type is sniffed from the content: JPEG, PNG, GIF, WebP and HEIC " +
			"images, PDF, Word/Excel/PowerPoint (DOCX, XLSX, PPTX, DOC, XLS), OpenDocument (ODT, ODS) and plain text/CSV; anything else, " +
			"and files that are two formats at once, get 415. Larger than the limit (HSE_UPLOAD_MAX_BYTES, 25 MB by default): 413. " +
			"Images get an EXIF-free thumbnail; their GPS position is kept in the metadata. Link the returned id to records " +
			"(attachmentIds, attachmentId).",
		Errors: []int{400, 403, 413, 415}},
		func(ctx context.Context, in *uploadInput) (*struct{ Body AttachmentView }, error) {
			p := principalFrom(ctx)
			if err := attachment.MayUpload(p); err != nil {
				return nil, fail(ctx, err)
			}
			in.req.Body = http.MaxBytesReader(in.w, in.req.Body, svc.MaxBytes+uploadEnvelope)
			part, err := filePart(in.req)
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					err = hse.Errorf(hse.KindTooLarge, "FILE_TOO_LARGE", "the upload is larger than the limit of %d bytes", svc.MaxBytes)
				}
				return nil, fail(ctx, err)
			}
			defer part.Close()
			a, err := svc.Upload(ctx, p, part.FileName(), part)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &struct{ Body AttachmentView }{Body: attachmentView(a, nil)}, nil
		})
	// The body is read by the handler, so its schema is described here
	// rather than derived from an input type.
	if op := api.OpenAPI().Paths["/api/upload"].Post; op != nil {
		op.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"multipart/form-data": {Schema: &huma.Schema{Type: "object", Required: []string{"file"},
				Properties: map[string]*huma.Schema{"file": {Type: "string", Format: "binary", Description: "the file; its name is kept, sanitised, for display"}}}},
		}}
	}

	huma.Register(api, huma.Operation{OperationID: "getAttachment", Method: http.MethodGet, Path: "/api/attachments/{id}", Tags: tags, Security: bearer,
		Summary: "An uploaded file's metadata and the records it is attached to",
		Description: "Station managers see files they uploaded and files attached to records of their stations; contractor staff files " +
			"they uploaded and those attached to their company's permits and documents; others: 404."},
		func(ctx context.Context, in *attachmentPath) (*struct{ Body AttachmentView }, error) {
			a, links, err := svc.Attachment(ctx, principalFrom(ctx), in.ID)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &struct{ Body AttachmentView }{Body: attachmentView(a, links)}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "downloadAttachment", Method: http.MethodGet, Path: "/api/attachments/{id}/content", Tags: tags, Security: bearer,
		Summary: "Download a file",
		Description: "Always a download (Content-Disposition: attachment) with the sniffed Content-Type, X-Content-Type-Options: nosniff and " +
			"Content-Security-Policy: sandbox, so nothing in a file runs in the app's origin."},
		func(ctx context.Context, in *attachmentPath) (*huma.StreamResponse, error) {
			a, rc, size, err := svc.Open(ctx, principalFrom(ctx), in.ID, false)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &huma.StreamResponse{Body: func(hctx huma.Context) {
				sendFile(hctx, rc, size, a.ContentType, "attachment", a.FileName, a.SHA256)
			}}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "attachmentThumbnail", Method: http.MethodGet, Path: "/api/attachments/{id}/thumbnail", Tags: tags, Security: bearer,
		Summary: "An image's thumbnail (at most 320 px, without EXIF)", Description: "Shown inline; 404 for files without a thumbnail."},
		func(ctx context.Context, in *attachmentPath) (*huma.StreamResponse, error) {
			a, rc, size, err := svc.Open(ctx, principalFrom(ctx), in.ID, true)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &huma.StreamResponse{Body: func(hctx huma.Context) {
				sendFile(hctx, rc, size, a.Metadata.ThumbnailType, "inline", thumbnailName(a), a.SHA256+"-thumb")
			}}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "attachmentLink", Method: http.MethodGet, Path: "/api/attachments/{id}/link", Tags: tags, Security: bearer,
		Summary: "A short-lived signed URL of a file or its thumbnail",
		Description: "For clients that cannot send an Authorization header (an <img> showing a thumbnail, a download handed to the browser): " +
			"the URL works without a token for 5 minutes, for this file and variant only."},
		func(ctx context.Context, in *struct {
			ID      string `path:"id" maxLength:"64"`
			Variant string `query:"variant" enum:"content,thumbnail" default:"content"`
		}) (*struct{ Body FileLinkView }, error) {
			l, err := svc.Link(ctx, principalFrom(ctx), in.ID, in.Variant)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &struct{ Body FileLinkView }{FileLinkView{URL: l.URL, ExpiresAt: l.ExpiresAt}}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "openFileLink", Method: http.MethodGet, Path: "/api/files/{id}", Tags: tags,
		Summary: "Open a signed file link (from GET /api/attachments/{id}/link)",
		Description: "No token: the signature names the organization, file, variant and expiry. A changed or expired link is 403 " +
			"(LINK_INVALID, LINK_EXPIRED). Served with the same protective headers as the authenticated download.",
		Errors: []int{403, 404}},
		func(ctx context.Context, in *struct {
			ID      string `path:"id" maxLength:"64"`
			Org     string `query:"org" maxLength:"64" required:"true"`
			Variant string `query:"variant" maxLength:"16" required:"true"`
			Exp     int64  `query:"exp" required:"true"`
			Sig     string `query:"sig" maxLength:"64" required:"true"`
		}) (*huma.StreamResponse, error) {
			a, rc, size, err := svc.OpenLink(ctx, in.Org, in.ID, in.Variant, in.Exp, in.Sig)
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &huma.StreamResponse{Body: func(hctx huma.Context) {
				if in.Variant == attachment.VariantThumbnail {
					sendFile(hctx, rc, size, a.Metadata.ThumbnailType, "inline", thumbnailName(a), a.SHA256+"-thumb")
					return
				}
				sendFile(hctx, rc, size, a.ContentType, "attachment", a.FileName, a.SHA256)
			}}, nil
		})

	huma.Register(api, huma.Operation{OperationID: "deleteAttachment", Method: http.MethodDelete, Path: "/api/attachments/{id}", Tags: tags, Security: bearer, DefaultStatus: 204,
		Summary:     "Delete a file uploaded by mistake",
		Description: "Only the uploader or an administrator, and only while no record uses the file (409 ATTACHMENT_IN_USE)."},
		func(ctx context.Context, in *attachmentPath) (*struct{}, error) {
			if err := svc.Delete(ctx, principalFrom(ctx), in.ID); err != nil {
				return nil, fail(ctx, err)
			}
			return nil, nil
		})

	huma.Register(api, huma.Operation{OperationID: "organizationStorage", Method: http.MethodGet, Path: "/api/organizations/current/storage", Tags: tags, Security: bearer,
		Summary: "Storage used by your organization's files"},
		func(ctx context.Context, _ *struct{}) (*struct{ Body StorageView }, error) {
			u, err := svc.Usage(ctx, principalFrom(ctx))
			if err != nil {
				return nil, fail(ctx, err)
			}
			return &struct{ Body StorageView }{Body: StorageView{Files: u.Files, Bytes: u.Bytes}}, nil
		})
}
