package app_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/backup"
	"github.com/hsedigital/hse/internal/blobstore/s3fake"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// The bucket is the copy that outlives a pod: create and upload, lose the
// local copy, find the backup in the bucket, fetch it, run the restore
// drill on it and restore it.
func TestBackupBucketRoundTrip(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s3 := s3fake.Start(t, "hse-backups")
		e := apptest.New(t, engine, apptest.WithEnv("HSE_BACKUP_BUCKET", s3.URL("hse-backups", "production")))
		remote := e.App.BackupBucket
		if remote == nil {
			t.Fatal("HSE_BACKUP_BUCKET is set but the app has no bucket")
		}
		fillEveryTable(t, e)
		dir := e.App.Config.Backup.Dir
		now := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)

		m, err := backup.Create(ctx, e.App.DB, targetOf(e), dir, "pre-deploy-v1.5.0", now)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Upload(ctx, dir, m); err != nil {
			t.Fatalf("upload: %v", err)
		}
		for _, key := range []string{"production/" + m.File, "production/" + m.Name + ".json"} {
			if _, err := s3.Backend.HeadObject("hse-backups", key); err != nil {
				t.Errorf("%s is not in the bucket: %v", key, err)
			}
		}

		// The pod is gone, and its directory with it.
		os.Remove(filepath.Join(dir, m.File))
		os.Remove(filepath.Join(dir, m.Name+".json"))
		if local, _ := backup.List(dir); len(local) != 0 {
			t.Fatalf("local backups left: %v", local)
		}
		listed, err := remote.List(ctx)
		if err != nil || len(listed) != 1 || listed[0].Name != m.Name || listed[0].SHA256 != m.SHA256 {
			t.Fatalf("list --remote: %+v %v", listed, err)
		}

		fetched, err := remote.Fetch(ctx, m.Name, dir)
		if err != nil {
			t.Fatalf("fetch: %v", err)
		}
		if fetched.SHA256 != m.SHA256 {
			t.Errorf("fetched metadata %+v", fetched)
		}
		v, err := backup.Verify(ctx, dir, m.Name, backup.NewScratch(targetOf(e)), now)
		if err != nil {
			t.Fatalf("verify --restore-test of the fetched backup: %v", err)
		}
		if err := remote.UploadMetadata(ctx, v); err != nil {
			t.Fatal(err)
		}
		listed, _ = remote.List(ctx)
		if len(listed) != 1 || listed[0].Verification == nil || !listed[0].Verification.OK || !listed[0].Verification.RestoreTest {
			t.Errorf("the bucket's metadata lacks the verification: %+v", listed)
		}

		empty := hsetest.MigratedDB(t, engine)
		emptyTarget := backup.Target{Engine: engine, DatabaseURL: empty.URL(), SQLitePath: empty.SQLitePath()}
		if _, err := backup.Restore(ctx, empty, emptyTarget, filepath.Join(dir, m.Name), backup.RestoreOptions{Dir: dir}, now); err != nil {
			t.Fatalf("restore of the fetched backup: %v", err)
		}
		got, _ := empty.RowCounts(ctx)
		for table, want := range m.RowCounts {
			if got[table] != want {
				t.Errorf("after restore %s has %d rows, want %d", table, got[table], want)
			}
		}

		if _, err := remote.Fetch(ctx, "hse-20200101-000000", dir); !errors.Is(err, backup.ErrNotInBucket) {
			t.Errorf("fetch of an unknown backup: %v", err)
		}
	})
}

// With a bucket, every replica reports the bucket's state, whatever its own
// directory holds.
func TestBackupBucketHealth(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s3 := s3fake.Start(t, "hse-backups")
		e := apptest.New(t, engine, apptest.WithEnv("HSE_BACKUP_BUCKET", s3.URL("hse-backups", "production")), apptest.WithEnv("HSE_BACKUP_RPO", "1h"))
		ops := operator(t, e)
		remote := e.App.BackupBucket
		health := func() map[string]any {
			return e.Must(200, e.Call("GET", "/api/backup/health", ops.Access, nil)).JSON(t)
		}
		if h := health(); h["status"] != "stale" || h["count"].(float64) != 0 {
			t.Errorf("empty bucket: %v", h)
		}

		// Another pod's backups: its directory is not this replica's.
		otherPod := t.TempDir()
		old, err := backup.Create(ctx, e.App.DB, targetOf(e), otherPod, "", time.Now().Add(-2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Upload(ctx, otherPod, old); err != nil {
			t.Fatal(err)
		}
		if h := health(); h["status"] != "stale" || h["lastBackup"] != old.Name {
			t.Errorf("only a backup older than the RPO in the bucket: %v", h)
		}
		fresh, err := backup.Create(ctx, e.App.DB, targetOf(e), otherPod, "", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Upload(ctx, otherPod, fresh); err != nil {
			t.Fatal(err)
		}
		h := health()
		if h["status"] != "ok" || h["lastBackup"] != fresh.Name || h["count"].(float64) != 2 || h["lastSizeBytes"].(float64) != float64(fresh.SizeBytes) {
			t.Errorf("fresh backup in the bucket: %v", h)
		}
		if local, _ := backup.List(e.App.Config.Backup.Dir); len(local) != 0 {
			t.Errorf("the replica's own directory should be empty: %v", local)
		}
		metrics := string(e.Must(200, e.Call("GET", "/metrics", "", nil)).Body)
		want := fmt.Sprintf("hse_digital_backup_last_size_bytes %d", fresh.SizeBytes)
		for _, w := range []string{want, `hse_digital_backup_status{status="ok"} 1`} {
			if !strings.Contains(metrics, w) {
				t.Errorf("metrics lack %q", w)
			}
		}

		// A failed verification of the newest, uploaded, fails everyone.
		third := t.TempDir()
		if _, err := remote.Fetch(ctx, fresh.Name, third); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(third, fresh.File)
		b, _ := os.ReadFile(path)
		os.WriteFile(path, b[:len(b)/2], 0o640)
		v, verr := backup.Verify(ctx, third, fresh.Name, nil, time.Now())
		if verr == nil {
			t.Fatal("verify of a truncated file passed")
		}
		if err := remote.UploadMetadata(ctx, v); err != nil {
			t.Fatal(err)
		}
		if h := health(); h["status"] != "failing" || !strings.Contains(h["reason"].(string), "verification") {
			t.Errorf("after a failed verification in the bucket: %v", h)
		}
		metrics = string(e.Must(200, e.Call("GET", "/metrics", "", nil)).Body)
		if !strings.Contains(metrics, `hse_digital_backup_status{status="failing"} 1`) {
			t.Error(`metrics lack hse_digital_backup_status{status="failing"} 1`)
		}
	})
}

func TestBackupBucketPrune(t *testing.T) {
	ctx := context.Background()
	s3 := s3fake.Start(t, "hse-backups")
	e := apptest.New(t, sqlstore.SQLite, apptest.WithEnv("HSE_BACKUP_BUCKET", s3.URL("hse-backups", "production")))
	e.Signup("Pruned Fuel")
	remote := e.App.BackupBucket
	dir := e.App.Config.Backup.Dir
	var made []*backup.Metadata
	for day := 1; day <= 5; day++ {
		m, err := backup.Create(ctx, e.App.DB, targetOf(e), dir, "", time.Date(2026, 11, day, 2, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Upload(ctx, dir, m); err != nil {
			t.Fatal(err)
		}
		made = append(made, m)
	}
	removed, err := remote.Prune(ctx, backup.Retention{Daily: 2}, time.Now(), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 3 {
		t.Errorf("pruned %v, want the 3 oldest", removed)
	}
	left, _ := remote.List(ctx)
	if len(left) != 2 || left[0].Name != made[4].Name || left[1].Name != made[3].Name {
		t.Errorf("left in the bucket: %+v", left)
	}
	for _, m := range made[:3] {
		for _, key := range []string{m.File, m.Name + ".json"} {
			if _, err := s3.Backend.HeadObject("hse-backups", "production/"+key); err == nil {
				t.Errorf("%s is still in the bucket", key)
			}
		}
	}
	// The local directory is pruned on its own (hse backup prune does both).
	if local, _ := backup.List(dir); len(local) != 5 {
		t.Errorf("the local directory changed: %d backups", len(local))
	}
}

// A scheduled backup goes to the bucket, verified, with the attempt recorded
// there for every replica.
func TestScheduledBackupUploadsToBucket(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s3 := s3fake.Start(t, "hse-backups")
		e := apptest.New(t, engine, apptest.WithEnv("HSE_BACKUP_BUCKET", s3.URL("hse-backups", "nightly")), apptest.WithEnv("HSE_BACKUP_SCHEDULE", "0 2 * * *"))
		e.Signup("Scheduled Bucket Fuel")
		ran, err := e.App.BackupScheduler().RunSlot(ctx, time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC))
		if err != nil || !ran {
			t.Fatalf("RunSlot: %v %v", ran, err)
		}
		bs, err := e.App.BackupBucket.List(ctx)
		if err != nil || len(bs) != 1 || bs[0].Label != "scheduled" || bs[0].Verification == nil || !bs[0].Verification.OK {
			t.Fatalf("bucket after a scheduled backup: %+v %v", bs, err)
		}
		if _, err := s3.Backend.HeadObject("hse-backups", "nightly/.last-attempt.json"); err != nil {
			t.Errorf("attempt not recorded in the bucket: %v", err)
		}
		// Another replica, with its own empty directory, reports it.
		other := apptest.NewAt(t, e.Target, apptest.WithEnv("HSE_BACKUP_BUCKET", s3.URL("hse-backups", "nightly")))
		c := backup.Checker{Dir: other.App.Config.Backup.Dir, Remote: other.App.BackupBucket, Retention: backup.DefaultRetention, RPO: time.Hour}
		h, _ := c.Check(ctx, time.Now())
		if h.Status != backup.StatusOK || h.LastName != bs[0].Name || h.LastAttempt == nil || !h.LastAttempt.OK {
			t.Errorf("the other replica's health: %+v", h)
		}
	})
}

// An upload that fails (nothing listens at the bucket's endpoint) is a
// failed attempt, and the health says failing.
func TestScheduledBackupBucketUploadFailure(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s3fake.SetCredentials(t)
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := l.Addr().String()
		l.Close()
		bucket := "s3://hse-backups/production?region=us-east-1&use_path_style=true&endpoint=http://" + closed
		e := apptest.New(t, engine, apptest.WithEnv("HSE_BACKUP_BUCKET", bucket), apptest.WithEnv("HSE_BACKUP_SCHEDULE", "0 2 * * *"))
		e.Signup("Unreachable Bucket Fuel")
		ops := operator(t, e)

		ran, err := e.App.BackupScheduler().RunSlot(ctx, time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC))
		if err == nil || ran || !strings.Contains(err.Error(), "not uploaded") {
			t.Fatalf("RunSlot with an unreachable bucket: ran=%v err=%v", ran, err)
		}
		// The local copy is kept for a manual upload.
		if local, _ := backup.List(e.App.Config.Backup.Dir); len(local) != 1 {
			t.Errorf("local backups: %v", local)
		}
		h := e.Must(200, e.Call("GET", "/api/backup/health", ops.Access, nil)).JSON(t)
		if h["status"] != "failing" {
			t.Errorf("health after a failed upload: %v", h)
		}
		if a, _ := h["lastAttempt"].(map[string]any); a == nil || a["ok"] != false || !strings.Contains(a["error"].(string), "not uploaded") {
			t.Errorf("last attempt: %v", h["lastAttempt"])
		}
	})
}
