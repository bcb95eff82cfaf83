package blobstore_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/hsedigital/hse/internal/blobstore"
	"github.com/hsedigital/hse/internal/blobstore/s3fake"
)

func TestBlobParseURLErrors(t *testing.T) {
	for raw, want := range map[string]string{
		"":                               "empty",
		"/var/backups":                   "scheme",
		"ftp://host/x":                   "unsupported",
		"file://relative/path":           "host",
		"file:///var/x?metadata=skip":    "no query",
		"s3:///prefix":                   "bucket name",
		"s3://b?region=x&colour=blue":    "colour",
		"s3://b?endpoint=localhost:9000": "endpoint",
		"s3://b?use_path_style=maybe":    "use_path_style",
		"s3://b/a/../c":                  "segments",
		"s3://key:secret@b?region=x":     "credentials",
		"s3://b:9000?region=eu-west-1":   "credentials",
	} {
		if _, err := blobstore.ParseURL(raw); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseURL(%q) = %v, want an error about %q", raw, err, want)
		}
	}
	loc, err := blobstore.ParseURL("s3://hse-backups/production/db?region=eu-west-1&endpoint=http://127.0.0.1:9000&use_path_style=true")
	if err != nil {
		t.Fatal(err)
	}
	if loc.Bucket != "hse-backups" || loc.Prefix != "production/db/" || loc.Region != "eu-west-1" || loc.Endpoint != "http://127.0.0.1:9000" || !loc.PathStyle {
		t.Errorf("parsed: %+v", loc)
	}
}

// exercise writes, reads, lists and deletes through b and returns the keys
// it listed.
func exercise(t *testing.T, b *blob.Bucket) {
	t.Helper()
	ctx := context.Background()
	w, err := b.NewWriter(ctx, "a.sql.gz", &blob.WriterOptions{ContentType: "application/gzip"})
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	if _, err := io.Copy(w, strings.NewReader(big)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("upload: %v", err)
	}
	if err := b.WriteAll(ctx, "a.json", []byte(`{"name":"a"}`), nil); err != nil {
		t.Fatal(err)
	}
	got, err := b.ReadAll(ctx, "a.sql.gz")
	if err != nil || string(got) != big {
		t.Fatalf("read back %d bytes, %v", len(got), err)
	}
	var keys []string
	it := b.List(nil)
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, o.Key)
	}
	if strings.Join(keys, ",") != "a.json,a.sql.gz" {
		t.Errorf("listed %v", keys)
	}
	if err := b.Delete(ctx, "a.json"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ReadAll(ctx, "a.json"); gcerrors.Code(err) != gcerrors.NotFound {
		t.Errorf("read after delete: %v", err)
	}
}

func TestBlobFileBucket(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not", "yet")
	b, err := blobstore.Open(context.Background(), "file://"+dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	exercise(t, b)
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "a.sql.gz" {
		t.Errorf("directory holds %v, want only the object (no sidecar files)", entries)
	}
	p := blobstore.Prefix(b, "files/org1")
	_ = p // a view of b; b stays open
}

func TestBlobS3Bucket(t *testing.T) {
	s3 := s3fake.Start(t, "hse-backups")
	ctx := context.Background()
	b, err := blobstore.Open(ctx, s3.URL("hse-backups", "production"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	exercise(t, b)
	// The prefix of the URL is where the objects are in the bucket.
	root, err := blobstore.Open(ctx, s3.URL("hse-backups", ""))
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if ok, err := root.Exists(ctx, "production/a.sql.gz"); !ok || err != nil {
		t.Errorf("production/a.sql.gz in the bucket: %v %v", ok, err)
	}
	// Prefix nests inside the URL's prefix.
	files := blobstore.Prefix(root, "files")
	defer files.Close()
	if err := files.WriteAll(ctx, "x.pdf", []byte("%PDF"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s3.Backend.HeadObject("hse-backups", "files/x.pdf"); err != nil {
		t.Errorf("files/x.pdf: %v", err)
	}
	// A bucket that does not exist fails on use, with S3's answer.
	missing, err := blobstore.Open(ctx, s3.URL("no-such-bucket", ""))
	if err != nil {
		t.Fatal(err)
	}
	defer missing.Close()
	if err := missing.WriteAll(ctx, "k", []byte("v"), nil); err == nil {
		t.Error("write into a missing bucket succeeded")
	}
}
