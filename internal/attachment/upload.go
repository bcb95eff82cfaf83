package attachment

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"

	"gocloud.dev/blob"

	"github.com/hsedigital/hse/internal/hse"
)

// copyBuffer is the one buffer a file passes through on its way to
// storage; nothing holds more of it.
const copyBuffer = 32 << 10

// readError marks a failure to read the client's upload, as opposed to a
// failure to write it to storage.
type readError struct{ err error }

func (e readError) Error() string { return e.err.Error() }
func (e readError) Unwrap() error { return e.err }

type clientReader struct{ r io.Reader }

func (c clientReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		err = readError{err}
	}
	return n, err
}

// tooLarge is the refusal of a file over the size limit.
func (s *Service) tooLarge() error {
	e := hse.Errorf(hse.KindTooLarge, "FILE_TOO_LARGE", "the file is larger than the limit of %s (%d bytes)", megabytes(s.MaxBytes), s.MaxBytes)
	e.Details = map[string]any{"maxBytes": s.MaxBytes}
	return e
}

func megabytes(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

// clientFailure converts a failure to read the upload into the client's
// error: over the request size limit, or a broken or interrupted body.
func (s *Service) clientFailure(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return s.tooLarge()
	}
	var re readError
	if errors.As(err, &re) {
		return &hse.Error{Kind: hse.KindInvalid, Code: "UPLOAD_INTERRUPTED", Message: "the upload could not be read to its end: " + re.err.Error(), Err: err}
	}
	return err
}

// MayUpload reports whether p may upload files, so that a refused caller's
// body is never read.
func MayUpload(p *hse.Principal) error {
	if canUpload(p) {
		return nil
	}
	return hse.Forbidden("FORBIDDEN", "uploading files needs one of the permissions of members who create records (%v)", UploadPermissions)
}

// Upload stores the file read from body under a new attachment of p's
// organization. name is the client's file name, kept only (sanitised) to
// be shown. The content streams to blob storage through one small buffer
// while it is hashed, counted and, for images, scanned for markup; a file
// that is refused leaves nothing in storage.
func (s *Service) Upload(ctx context.Context, p *hse.Principal, name string, body io.Reader) (*Attachment, error) {
	if err := MayUpload(p); err != nil {
		return nil, err
	}
	body = clientReader{body}
	head := make([]byte, SniffBytes)
	n, err := io.ReadFull(body, head)
	if err != nil && err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, s.clientFailure(err)
	}
	head = head[:n]
	t, err := Sniff(head)
	if err != nil {
		return nil, err
	}
	a := &Attachment{ID: hse.NewID(), FileName: SafeFileName(name, t), ContentType: t.MIME, UploadedBy: p.UserID}
	a.StorageKey = storageKey(p.OrgID, a.ID)
	if err := s.write(ctx, a, t, io.MultiReader(bytes.NewReader(head), body)); err != nil {
		return nil, err
	}
	cleanup := func() {
		s.remove(ctx, a.StorageKey)
		s.remove(ctx, a.ThumbnailKey)
	}
	if err := s.inspect(ctx, p.OrgID, a, t); err != nil {
		cleanup()
		return nil, err
	}
	a.CreatedAt = s.now()
	err = s.Store.InTx(ctx, hse.ScopeOf(p, false), func(tx Tx) error {
		if err := tx.CreateAttachment(ctx, p.OrgID, a); err != nil {
			return err
		}
		if err := tx.AppendAudit(ctx, hse.NewAuditEntry(ctx, p, a.CreatedAt, "attachment.uploaded", "attachment", a.ID, nil, snapshot(a))); err != nil {
			return err
		}
		return tx.Emit(ctx, hse.NewEvent(p, p.OrgID, a.CreatedAt, "attachment:uploaded", "attachment", a.ID, map[string]any{
			"fileName": a.FileName, "contentType": a.ContentType, "sizeBytes": a.SizeBytes}))
	})
	if err != nil {
		cleanup()
		return nil, err
	}
	return a, nil
}

// write streams src to a's storage key, setting its size and digest. On
// any failure the partial object is discarded: the write is cancelled
// before it is committed, and whatever may remain is deleted.
func (s *Service) write(ctx context.Context, a *Attachment, t Type, src io.Reader) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// One part in flight at a time: an S3 upload then buffers a single
	// part (5 MB), not one per concurrent part.
	w, err := s.Bucket.NewWriter(wctx, a.StorageKey, &blob.WriterOptions{ContentType: a.ContentType,
		ContentDisposition: "attachment", MaxConcurrency: 1})
	if err != nil {
		return fmt.Errorf("opening storage for %s: %w", a.StorageKey, err)
	}
	fail := func(e error) error {
		cancel()
		_ = w.Close()
		s.remove(ctx, a.StorageKey)
		return e
	}
	h := sha256.New()
	dst := []io.Writer{w, h}
	scan := &markerScanner{}
	if t.Image {
		dst = append(dst, scan)
	}
	n, err := io.CopyBuffer(io.MultiWriter(dst...), io.LimitReader(src, s.MaxBytes+1), make([]byte, copyBuffer))
	if err != nil {
		return fail(s.clientFailure(err))
	}
	if n > s.MaxBytes {
		return fail(s.tooLarge())
	}
	if scan.found != "" {
		return fail(polyglot("the file is %s but carries markup (%s) that a browser could run; save it again without it", t.MIME, scan.found))
	}
	if err := w.Close(); err != nil {
		s.remove(ctx, a.StorageKey)
		return fmt.Errorf("storing %s: %w", a.StorageKey, err)
	}
	a.SizeBytes, a.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	return nil
}

// snapshot is what the audit trail records of an attachment.
func snapshot(a *Attachment) map[string]any {
	m := map[string]any{"fileName": a.FileName, "contentType": a.ContentType, "sizeBytes": a.SizeBytes, "sha256": a.SHA256}
	if a.Metadata.HasLocation() {
		m["hasLocation"] = true
	}
	return m
}
