package attachment

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	exif "github.com/dsoprea/go-exif/v3"
	exifcommon "github.com/dsoprea/go-exif/v3/common"
)

// exifWindow is how much of a file is searched for EXIF: a JPEG's APP1
// segment, where cameras write it, is at most 64 KB and comes first.
const exifWindow = 256 << 10

// exifInfo is what the platform keeps of an image's EXIF.
type exifInfo struct {
	lat, lon    *float64
	takenAt     *time.Time
	orientation int
}

// readExif reads the location, the time taken and the orientation from a
// stored image. Missing or malformed EXIF is not an error: most images
// have none.
func (s *Service) readExif(ctx context.Context, key string) (exifInfo, error) {
	r, err := s.Bucket.NewReader(ctx, key, nil)
	if err != nil {
		return exifInfo{}, fmt.Errorf("reading back %s: %w", key, err)
	}
	defer r.Close()
	return parseExif(io.LimitReader(r, exifWindow)), nil
}

// parseExif extracts exifInfo from the start of an image.
func parseExif(r io.Reader) (info exifInfo) {
	// The library reports some malformed input by panicking through
	// its own recover; a last guard keeps a crafted file from taking the
	// request down.
	defer func() {
		if recover() != nil {
			info = exifInfo{}
		}
	}()
	raw, err := exif.SearchAndExtractExifWithReader(r)
	if err != nil {
		return exifInfo{}
	}
	im, err := exifcommon.NewIfdMappingWithStandard()
	if err != nil {
		return exifInfo{}
	}
	_, index, err := exif.Collect(im, exif.NewTagIndex(), raw)
	if err != nil || index.RootIfd == nil {
		return exifInfo{}
	}
	root := index.RootIfd
	if v, ok := firstValue(root.FindTagWithName("Orientation")); ok {
		if o, ok := v.([]uint16); ok && len(o) > 0 {
			info.orientation = int(o[0])
		}
	}
	if gpsIfd, err := root.ChildWithIfdPath(exifcommon.IfdGpsInfoStandardIfdIdentity); err == nil {
		if gi, err := gpsIfd.GpsInfo(); err == nil {
			lat, lon := gi.Latitude.Decimal(), gi.Longitude.Decimal()
			if validCoordinate(lat, 90) && validCoordinate(lon, 180) && (lat != 0 || lon != 0) {
				info.lat, info.lon = &lat, &lon
			}
		}
	}
	if exifIfd, err := root.ChildWithIfdPath(exifcommon.IfdExifStandardIfdIdentity); err == nil {
		if v, ok := firstValue(exifIfd.FindTagWithName("DateTimeOriginal")); ok {
			if s, ok := v.(string); ok {
				// EXIF times have no zone; they are kept as given, as UTC.
				if t, err := time.Parse("2006:01:02 15:04:05", strings.TrimRight(s, "\x00 ")); err == nil {
					info.takenAt = &t
				}
			}
		}
	}
	return info
}

func firstValue(tags []*exif.IfdTagEntry, err error) (any, bool) {
	if err != nil || len(tags) == 0 {
		return nil, false
	}
	v, err := tags[0].Value()
	if err != nil {
		return nil, false
	}
	return v, true
}

// validCoordinate rejects NaN, infinities and out-of-range degrees. (The
// caller also drops 0/0, which some devices write when they have no fix.)
func validCoordinate(v, limit float64) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0) && math.Abs(v) <= limit
}
