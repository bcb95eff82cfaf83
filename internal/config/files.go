package config

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hsedigital/hse/internal/blobstore"
	"github.com/hsedigital/hse/internal/redact"
)

// Defaults of the file upload limits.
const (
	DefaultUploadMaxBytes = 25 << 20 // 26214400
	DefaultImageMaxPixels = 40_000_000
)

// Files configures uploaded files.
type Files struct {
	// Bucket is where uploaded files are stored (HSE_FILES_BUCKET):
	// s3://BUCKET/PREFIX?region=… (credentials from the AWS_* variables)
	// or file:///path. Unset, it is the directory files/ under the data
	// directory, and Default is set.
	Bucket  string
	Default bool
	// MaxBytes bounds one uploaded file (HSE_UPLOAD_MAX_BYTES).
	MaxBytes int64
	// MaxPixels bounds the width × height of an image the server decodes
	// for its thumbnail (HSE_IMAGE_MAX_PIXELS); larger images are refused.
	MaxPixels int64
}

// LoadFiles reads HSE_FILES_BUCKET, HSE_UPLOAD_MAX_BYTES and
// HSE_IMAGE_MAX_PIXELS.
func LoadFiles(getenv Getenv, dataDir string) (Files, []error) {
	var errs []error
	bad := func(name, value, want string) {
		errs = append(errs, fmt.Errorf("%s=%q is invalid: %s", name, value, want))
	}
	f := Files{Bucket: strings.TrimSpace(getenv("HSE_FILES_BUCKET"))}
	if f.Bucket == "" {
		dir, err := filepath.Abs(filepath.Join(dataDir, "files"))
		if err != nil {
			errs = append(errs, fmt.Errorf("HSE_DATA_DIR=%q: %v", dataDir, err))
		}
		f.Bucket, f.Default = (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String(), true
	} else if _, err := blobstore.ParseURL(f.Bucket); err != nil {
		errs = append(errs, fmt.Errorf("HSE_FILES_BUCKET=%q is invalid: %v (expected s3://BUCKET/PREFIX?region=REGION[&endpoint=http://host:port&use_path_style=true] or file:///absolute/path)", redact.URL(f.Bucket), err))
	}
	f.MaxBytes = int64Var(getenv, "HSE_UPLOAD_MAX_BYTES", DefaultUploadMaxBytes, 1024, 5<<30, bad)
	f.MaxPixels = int64Var(getenv, "HSE_IMAGE_MAX_PIXELS", DefaultImageMaxPixels, 1_000_000, 500_000_000, bad)
	return f, errs
}

func int64Var(getenv Getenv, name string, def, lo, hi int64, bad func(string, string, string)) int64 {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		bad(name, v, fmt.Sprintf("expected a whole number from %d to %d", lo, hi))
		return def
	}
	return n
}

// Describe lists the file settings for `hse config`.
func (f Files) Describe() []Setting {
	b := maskURL(f.Bucket)
	if f.Default {
		b += " (default: $HSE_DATA_DIR/files)"
	}
	return []Setting{
		{"HSE_FILES_BUCKET", b},
		{"HSE_UPLOAD_MAX_BYTES", strconv.FormatInt(f.MaxBytes, 10)},
		{"HSE_IMAGE_MAX_PIXELS", strconv.FormatInt(f.MaxPixels, 10)},
	}
}
