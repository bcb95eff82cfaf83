package attachment

import (
	"context"
	"log/slog"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/hsedigital/hse/internal/hse"
)

// Defaults of the limits.
const (
	DefaultMaxBytes  = 25 << 20   // 26214400: HSE_UPLOAD_MAX_BYTES
	DefaultMaxPixels = 40_000_000 // HSE_IMAGE_MAX_PIXELS
	// DefaultThumbnailSlots is how many images one process decodes at a
	// time: decoding needs the whole bitmap in memory (18 MB for a 12
	// megapixel photo), so it is bounded rather than left to the number of
	// concurrent uploads. Uploads themselves are not limited by it.
	DefaultThumbnailSlots = 1
	// ThumbnailSize is the longest side of a thumbnail in pixels.
	ThumbnailSize = 320
)

// Service applies the attachment rules.
type Service struct {
	Store Store
	// Bucket holds the bytes: a local directory or an S3-compatible bucket.
	Bucket *blob.Bucket
	// MaxBytes bounds one file (DefaultMaxBytes when 0).
	MaxBytes int64
	// MaxPixels bounds the width × height of an image that is decoded;
	// larger images are refused before decoding (decompression bombs).
	MaxPixels int64
	// Links signs and checks short-lived file links.
	Links *Signer
	Now   func() time.Time
	Log   *slog.Logger

	slots chan struct{}
}

// NewService returns a service with the default limits filled in.
func NewService(store Store, bucket *blob.Bucket, maxBytes, maxPixels int64, now func() time.Time, log *slog.Logger) *Service {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	if log == nil {
		log = slog.Default()
	}
	return &Service{Store: store, Bucket: bucket, MaxBytes: maxBytes, MaxPixels: maxPixels, Now: now, Log: log,
		slots: make(chan struct{}, DefaultThumbnailSlots)}
}

func (s *Service) now() time.Time { return hse.Now(s.Now) }

// storageKey is where a file's bytes live: the organization and the
// attachment id, never anything the client chose.
func storageKey(orgID, id string) string { return orgID + "/" + id }

// thumbnailKey is where a file's thumbnail lives.
func thumbnailKey(orgID, id string) string { return orgID + "/" + id + ".thumb" }

// remove deletes a blob, ignoring one that is already gone; failures are
// logged (the row is what counts; an orphaned blob is only space).
func (s *Service) remove(ctx context.Context, key string) {
	if key == "" {
		return
	}
	// The request may have been cancelled (a client that went away):
	// clean up regardless.
	ctx = context.WithoutCancel(ctx)
	if err := s.Bucket.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		s.Log.WarnContext(ctx, "deleting a stored file failed", "key", key, "err", err)
	}
}
