// Package s3fake starts a real S3-compatible server (gofakes3, in memory)
// on 127.0.0.1 for tests, so the s3 path of blobstore is exercised over
// HTTP with the AWS SDK, not only the local directory.
package s3fake

import (
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Server is a running fake S3.
type Server struct {
	Endpoint string // http://127.0.0.1:PORT
	Backend  *s3mem.Backend
}

// Start serves a fake S3 holding the given (empty) buckets until the test
// ends, and sets the AWS credential and region variables for the test
// (so the test must not be parallel).
func Start(t testing.TB, buckets ...string) *Server {
	t.Helper()
	be := s3mem.New()
	for _, b := range buckets {
		if err := be.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	faker := gofakes3.New(be, gofakes3.WithLogger(gofakes3.DiscardLog()))
	srv := httptest.NewServer(faker.Server())
	t.Cleanup(srv.Close)
	SetCredentials(t)
	return &Server{Endpoint: srv.URL, Backend: be}
}

// URL is the blobstore URL of bucket/prefix on this server.
func (s *Server) URL(bucket, prefix string) string {
	q := url.Values{"region": {"us-east-1"}, "endpoint": {s.Endpoint}, "use_path_style": {"true"}}
	u := "s3://" + bucket
	if prefix != "" {
		u += "/" + prefix
	}
	return u + "?" + q.Encode()
}

// SetCredentials sets test AWS credentials and region for the test without
// starting a server (for a bucket URL pointing elsewhere, e.g. a closed
// port), with one attempt per request so failures come quickly.
func SetCredentials(t testing.TB) {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", "test-access-key")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret-key")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/credentials")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
}
