// Package blobstore opens the object storage the platform writes to:
// backups today, uploaded files later. A location is a URL:
//
//	file:///var/backups/hse                      a local directory (created when missing)
//	s3://BUCKET[/PREFIX]?region=eu-west-1         Amazon S3
//	s3://BUCKET[/PREFIX]?endpoint=http://host:9000&use_path_style=true&region=us-east-1
//	                                             an S3-compatible server (MinIO, Ceph, …)
//
// The path of an s3 URL is a key prefix inside the bucket. Credentials for
// s3 come from the standard AWS environment variables (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_PROFILE) and the
// rest of the AWS SDK's default chain. Buckets are gocloud.dev/blob buckets.
package blobstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/s3blob"

	"github.com/hsedigital/hse/internal/redact"
)

// Location is a parsed bucket URL.
type Location struct {
	Scheme string // "file" or "s3"
	// Dir is the directory of a file URL.
	Dir string
	// Bucket and Prefix ("" or ending in "/") locate s3 objects.
	Bucket, Prefix string
	// Region, Endpoint and PathStyle configure the S3 client.
	Region, Endpoint string
	PathStyle        bool
}

// ParseURL checks a bucket URL without opening anything.
func ParseURL(rawURL string) (*Location, error) {
	rawURL = strings.TrimSpace(rawURL)
	if rawURL == "" {
		return nil, errors.New("empty bucket URL")
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the whole URL, credentials included; only
		// its reason is safe to show.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("not a URL: %v", err)
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("file URL with a host %q: write file:///absolute/path", u.Host)
		}
		if u.RawQuery != "" {
			return nil, errors.New("file URL takes no query parameters")
		}
		if u.Path == "" || !filepath.IsAbs(u.Path) {
			return nil, errors.New("file URL needs an absolute path: file:///var/backups/hse")
		}
		return &Location{Scheme: "file", Dir: filepath.Clean(u.Path)}, nil
	case "s3":
		loc := &Location{Scheme: "s3", Bucket: u.Host}
		if loc.Bucket == "" {
			return nil, errors.New("s3 URL needs a bucket name: s3://BUCKET/PREFIX?region=REGION")
		}
		if u.User != nil || u.Port() != "" {
			return nil, errors.New("s3 URL: the host is the bucket name; give credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and a server in ?endpoint=")
		}
		if p := strings.Trim(u.Path, "/"); p != "" {
			if strings.Contains("/"+p+"/", "/../") || strings.Contains("/"+p+"/", "/./") || strings.Contains(p, "//") {
				return nil, fmt.Errorf("s3 URL: prefix %q has empty, . or .. segments", p)
			}
			loc.Prefix = p + "/"
		}
		for k, vs := range u.Query() {
			v := vs[len(vs)-1]
			switch k {
			case "region":
				loc.Region = v
			case "endpoint":
				e, err := url.Parse(v)
				if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" {
					return nil, fmt.Errorf("s3 URL: endpoint %q must be http://host:port or https://host", redact.URL(v))
				}
				if e.User != nil {
					return nil, errors.New("s3 URL: the endpoint carries credentials; give them in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
				}
				loc.Endpoint = v
			case "use_path_style":
				b, err := strconv.ParseBool(v)
				if err != nil {
					return nil, fmt.Errorf("s3 URL: use_path_style=%q must be true or false", v)
				}
				loc.PathStyle = b
			default:
				return nil, fmt.Errorf("s3 URL: unknown parameter %q (known: region, endpoint, use_path_style)", k)
			}
		}
		return loc, nil
	case "":
		return nil, errors.New("bucket URL needs a scheme: file:///path or s3://bucket/prefix")
	default:
		return nil, fmt.Errorf("unsupported bucket URL scheme %q: use file:///path or s3://bucket/prefix", u.Scheme)
	}
}

// String is the location without credentials (there are none in it) for
// messages.
func (l *Location) String() string {
	if l.Scheme == "file" {
		return "file://" + filepath.ToSlash(l.Dir)
	}
	return "s3://" + l.Bucket + "/" + l.Prefix
}

// Open opens the bucket at rawURL. A file URL's directory is created when
// missing; an s3 URL opens a client without contacting the server, so a
// wrong endpoint or credentials show at the first read or write.
func Open(ctx context.Context, rawURL string) (*blob.Bucket, error) {
	loc, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return loc.Open(ctx)
}

// Open opens the bucket at l.
func (l *Location) Open(ctx context.Context) (*blob.Bucket, error) {
	switch l.Scheme {
	case "file":
		if err := os.MkdirAll(l.Dir, 0o750); err != nil {
			return nil, fmt.Errorf("bucket directory: %w", err)
		}
		// No sidecar attribute files: the directory holds only the
		// objects, so it reads like any other directory of files. Temporary
		// files go beside the objects (NAME.<time>.tmp), not to the system
		// temporary directory, so the final rename works on a mounted
		// volume too.
		b, err := fileblob.OpenBucket(l.Dir, &fileblob.Options{Metadata: fileblob.MetadataDontWrite, DirFileMode: 0o750, NoTempDir: true})
		if err != nil {
			return nil, fmt.Errorf("opening %s: %w", l, err)
		}
		return b, nil
	case "s3":
		var opts []func(*awsconfig.LoadOptions) error
		if l.Region != "" {
			opts = append(opts, awsconfig.WithRegion(l.Region))
		}
		cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("AWS configuration for %s: %w", l, err)
		}
		if cfg.Region == "" {
			return nil, fmt.Errorf("%s: no region: add ?region= to the URL or set AWS_REGION", l)
		}
		client := s3.NewFromConfig(cfg, func(o *s3.Options) {
			if l.Endpoint != "" {
				o.BaseEndpoint = aws.String(l.Endpoint)
				// S3-compatible servers often lack the newer default
				// checksums; send them only when an operation needs them.
				o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
				o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
			}
			o.UsePathStyle = l.PathStyle
		})
		sopts := &s3blob.Options{}
		if l.Endpoint != "" {
			sopts.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		}
		b, err := s3blob.OpenBucket(ctx, client, l.Bucket, sopts)
		if err != nil {
			return nil, fmt.Errorf("opening %s: %w", l, err)
		}
		if l.Prefix != "" {
			b = blob.PrefixedBucket(b, l.Prefix)
		}
		return b, nil
	}
	return nil, fmt.Errorf("unsupported bucket scheme %q", l.Scheme)
}

// Prefix returns a view of b in which every key is under prefix (a
// trailing slash is added when missing), e.g. "backups/" or "files/ORG/".
// Closing the view closes b.
func Prefix(b *blob.Bucket, prefix string) *blob.Bucket {
	if prefix == "" {
		return b
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return blob.PrefixedBucket(b, prefix)
}
