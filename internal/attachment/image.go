package attachment

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"runtime"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"github.com/hsedigital/hse/internal/hse"
)

// collectPixels is the image size from which the bitmap is collected as
// soon as the thumbnail is made.
const collectPixels = 4_000_000

// zipTail is how far from the end a ZIP archive's directory record can
// start: its 22 bytes and a comment of up to 65535.
const zipTail = 22 + 65535

// zipBased types are ZIP archives themselves.
var zipBased = map[string]bool{
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   true,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         true,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": true,
	"application/vnd.oasis.opendocument.text":                                   true,
	"application/vnd.oasis.opendocument.spreadsheet":                            true,
}

// inspect reads back a stored file for what the first bytes could not
// tell: an archive appended to an image or PDF (a polyglot that unpacks as
// ZIP), and, for images, the dimensions, EXIF metadata and a thumbnail.
func (s *Service) inspect(ctx context.Context, orgID string, a *Attachment, t Type) error {
	if t.Binary && !zipBased[t.MIME] {
		if err := s.checkTail(ctx, a); err != nil {
			return err
		}
	}
	if !t.Image {
		return nil
	}
	return s.inspectImage(ctx, orgID, a)
}

// checkTail refuses a file that ends in a ZIP directory record.
func (s *Service) checkTail(ctx context.Context, a *Attachment) error {
	off := max(0, a.SizeBytes-zipTail)
	r, err := s.Bucket.NewRangeReader(ctx, a.StorageKey, off, -1, nil)
	if err != nil {
		return fmt.Errorf("reading back %s: %w", a.StorageKey, err)
	}
	defer r.Close()
	tail, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("reading back %s: %w", a.StorageKey, err)
	}
	if endsInZip(tail) {
		return polyglot("the file is %s with a ZIP archive appended; upload the two separately", a.ContentType)
	}
	return nil
}

// endsInZip reports whether b ends with a ZIP end-of-central-directory
// record whose comment runs exactly to the end, which is how unzip tools
// find an archive at the end of any file.
func endsInZip(b []byte) bool {
	sig := []byte("PK\x05\x06")
	for i := bytes.LastIndex(b, sig); i >= 0; i = bytes.LastIndex(b[:i], sig) {
		if i+22 <= len(b) && i+22+int(binary.LittleEndian.Uint16(b[i+20:])) == len(b) {
			return true
		}
	}
	return false
}

// invalidImage is the refusal of a file whose first bytes say image but
// which does not decode as one.
func invalidImage(format string, args ...any) error {
	return hse.Errorf(hse.KindUnsupportedMedia, "INVALID_IMAGE", format, args...)
}

// decodeConfig reads only an image's header.
func decodeConfig(mimeType string, r io.Reader) (image.Config, error) {
	switch mimeType {
	case "image/jpeg":
		return jpeg.DecodeConfig(r)
	case "image/png":
		return png.DecodeConfig(r)
	case "image/gif":
		return gif.DecodeConfig(r)
	case "image/webp":
		return webp.DecodeConfig(r)
	}
	return image.Config{}, fmt.Errorf("no decoder for %s", mimeType)
}

func decode(mimeType string, r io.Reader) (image.Image, error) {
	switch mimeType {
	case "image/jpeg":
		return jpeg.Decode(r)
	case "image/png":
		return png.Decode(r)
	case "image/gif":
		return gif.Decode(r) // the first frame
	case "image/webp":
		return webp.Decode(r)
	}
	return nil, fmt.Errorf("no decoder for %s", mimeType)
}

// inspectImage checks the dimensions before anything is decoded, reads
// the EXIF metadata and stores a thumbnail.
func (s *Service) inspectImage(ctx context.Context, orgID string, a *Attachment) error {
	r, err := s.Bucket.NewReader(ctx, a.StorageKey, nil)
	if err != nil {
		return fmt.Errorf("reading back %s: %w", a.StorageKey, err)
	}
	cfg, err := decodeConfig(a.ContentType, bufio.NewReader(r))
	r.Close()
	if err != nil {
		return invalidImage("the file starts like %s but is not a valid image: %v", a.ContentType, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return invalidImage("the image has no pixels")
	}
	if int64(cfg.Width)*int64(cfg.Height) > s.MaxPixels {
		e := hse.Errorf(hse.KindTooLarge, "IMAGE_TOO_LARGE", "the image is %d × %d pixels; at most %d pixels are accepted", cfg.Width, cfg.Height, s.MaxPixels)
		e.Details = map[string]any{"maxPixels": s.MaxPixels}
		return e
	}
	a.Metadata.Width, a.Metadata.Height = cfg.Width, cfg.Height

	ex, err := s.readExif(ctx, a.StorageKey)
	if err != nil {
		return err
	}
	a.Metadata.Latitude, a.Metadata.Longitude, a.Metadata.TakenAt = ex.lat, ex.lon, ex.takenAt
	return s.thumbnail(ctx, orgID, a, ex.orientation)
}

// thumbnail decodes the stored image (one of a bounded number at a time),
// scales it to ThumbnailSize and stores it re-encoded: the encoders write
// pixels only, so no EXIF (location, camera, owner) survives. An image the
// decoder cannot read is kept without a thumbnail.
func (s *Service) thumbnail(ctx context.Context, orgID string, a *Attachment, orientation int) error {
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	case <-ctx.Done():
		return ctx.Err()
	}
	r, err := s.Bucket.NewReader(ctx, a.StorageKey, nil)
	if err != nil {
		return fmt.Errorf("reading back %s: %w", a.StorageKey, err)
	}
	src, err := decode(a.ContentType, bufio.NewReaderSize(r, copyBuffer))
	r.Close()
	if err != nil {
		s.Log.WarnContext(ctx, "image kept without a thumbnail: it does not decode", "attachment", a.ID, "err", err)
		return nil
	}
	small := scale(src, ThumbnailSize)
	src = nil
	if a.Metadata.Width*a.Metadata.Height >= collectPixels {
		// The decoded bitmap (18 MB for 12 megapixels) is garbage now.
		// Left to the collector's pacing, the next decode would be
		// allocated beside it and the process would hold two; collecting
		// here keeps the peak at one bitmap, for a few milliseconds of a
		// step that takes hundreds.
		runtime.GC()
	}
	small = orient(small, orientation)

	var buf bytes.Buffer
	typ := "image/png"
	if a.ContentType == "image/jpeg" {
		typ = "image/jpeg"
		err = jpeg.Encode(&buf, small, &jpeg.Options{Quality: 80})
	} else {
		err = png.Encode(&buf, small)
	}
	if err != nil {
		return fmt.Errorf("encoding a thumbnail: %w", err)
	}
	key := thumbnailKey(orgID, a.ID)
	if err := s.Bucket.WriteAll(ctx, key, buf.Bytes(), nil); err != nil {
		return fmt.Errorf("storing a thumbnail: %w", err)
	}
	a.ThumbnailKey, a.Metadata.ThumbnailType = key, typ
	return nil
}

// scale fits src into a size × size box, never enlarging it. A large
// photo is first brought to twice the box with a cheap interpolation and
// then filtered down: the filter's working memory grows with the height
// of its source, which would be tens of megabytes for a camera image.
func scale(src image.Image, size int) *image.RGBA {
	b := src.Bounds()
	if b.Dx() > 2*size || b.Dy() > 2*size {
		w, h := fit(b.Dx(), b.Dy(), 2*size)
		mid := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.ApproxBiLinear.Scale(mid, mid.Bounds(), src, b, draw.Src, nil)
		src, b = mid, mid.Bounds()
	}
	w, h := fit(b.Dx(), b.Dy(), size)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.BiLinear.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	return dst
}

// fit is the size of a w × h image brought within a size × size box,
// keeping its proportions and never enlarging it.
func fit(w, h, size int) (int, int) {
	if w <= size && h <= size {
		return w, h
	}
	if w >= h {
		return size, max(1, h*size/w)
	}
	return max(1, w*size/h), size
}

// orient turns an image as its EXIF orientation (1-8) says, since the
// thumbnail carries no EXIF to tell a viewer to do it.
func orient(src *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return src
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			dst.SetRGBA(dx, dy, src.RGBAAt(b.Min.X+x, b.Min.Y+y))
		}
	}
	return dst
}
