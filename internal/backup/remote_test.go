package backup_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/backup"
	"github.com/hsedigital/hse/internal/blobstore/s3fake"
)

// fakeBackup writes an artifact and its metadata into dir without a
// database.
func fakeBackup(t *testing.T, dir, name string, at time.Time) *backup.Metadata {
	t.Helper()
	m := &backup.Metadata{Name: name, File: name + ".sqlite.gz", CreatedAt: at, Engine: "sqlite", SizeBytes: 3}
	if err := os.WriteFile(filepath.Join(dir, m.File), []byte("abc"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := backup.WriteMetadata(dir, m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBucketListSkipsStraysAndSeesReplacedMetadata(t *testing.T) {
	for _, kind := range []string{"file", "s3"} {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			url := "file://" + t.TempDir()
			if kind == "s3" {
				url = s3fake.Start(t, "b").URL("b", "p")
			}
			r, err := backup.OpenRemote(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			dir := t.TempDir()
			now := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)
			m := fakeBackup(t, dir, "hse-20261127-020000", now)
			if err := r.Upload(ctx, dir, m); err != nil {
				t.Fatal(err)
			}
			// Metadata without its artifact, a corrupt one, an unrelated object.
			orphan := &backup.Metadata{Name: "hse-20261126-020000", File: "hse-20261126-020000.sqlite.gz", CreatedAt: now.Add(-24 * time.Hour)}
			r.UploadMetadata(ctx, orphan)
			r.Bucket.WriteAll(ctx, "junk.json", []byte("{"), nil)
			r.Bucket.WriteAll(ctx, "notes.txt", []byte("hello"), nil)

			bs, err := r.List(ctx)
			if err != nil || len(bs) != 1 || bs[0].Name != m.Name || bs[0].Verification != nil {
				t.Fatalf("list: %+v %v", bs, err)
			}
			// Replaced at once (same second): the next list sees it.
			m.Verification = &backup.Verification{At: now, OK: false, Error: "damaged"}
			if err := r.UploadMetadata(ctx, m); err != nil {
				t.Fatal(err)
			}
			bs, _ = r.List(ctx)
			if len(bs) != 1 || bs[0].Verification == nil || bs[0].Verification.Error != "damaged" {
				t.Errorf("list after the metadata was replaced: %+v", bs)
			}
			h, _ := (&backup.Checker{Dir: dir, Remote: r, Retention: backup.DefaultRetention, RPO: time.Hour}).Check(ctx, now)
			if h.Status != backup.StatusFailing {
				t.Errorf("health: %+v", h)
			}
		})
	}
}
