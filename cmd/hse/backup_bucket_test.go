package main

import (
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/backup"
	"github.com/hsedigital/hse/internal/blobstore/s3fake"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// The runbook's bucket commands, in-process against a fake S3: create
// uploads, the local copy is lost, list --remote finds it, fetch brings it
// back, verify --restore-test passes and uploads its result, restore of a
// name only in the bucket fetches it first, prune cleans the bucket.
func TestBackupBucketCLI(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		s3 := s3fake.Start(t, "hse-backups")
		e := apptest.New(t, engine)
		e.Signup("CLI Bucket Fuel")
		dataDir := t.TempDir()
		vars := map[string]string{"DATABASE_URL": e.Target.DatabaseURL, "HSE_DATA_DIR": dataDir,
			"HSE_BACKUP_BUCKET": s3.URL("hse-backups", "production")}
		dir := filepath.Join(dataDir, "backups")
		cli := func(args ...string) string {
			t.Helper()
			out, errOut, err := runCLI(t, vars, args...)
			if err != nil {
				t.Fatalf("hse %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
			}
			return out
		}
		remoteList := func() []backup.Metadata {
			t.Helper()
			var bs []backup.Metadata
			if err := json.Unmarshal([]byte(cli("backup", "list", "--remote", "--json")), &bs); err != nil {
				t.Fatal(err)
			}
			return bs
		}

		if out := cli("backup", "create", "--label", "pre-deploy-v1.5.0"); !strings.Contains(out, "uploaded pre-deploy-v1.5.0-") {
			t.Fatalf("create: %s", out)
		}
		bs := remoteList()
		if len(bs) != 1 {
			t.Fatalf("list --remote: %+v", bs)
		}
		name := bs[0].Name
		removeLocal := func() {
			for _, f := range []string{bs[0].File, name + ".json"} {
				if err := os.Remove(filepath.Join(dir, f)); err != nil {
					t.Fatal(err)
				}
			}
		}
		removeLocal()
		if out := cli("backup", "list"); !strings.Contains(out, "no backups") {
			t.Errorf("local list after the copy is gone: %s", out)
		}
		if out := cli("backup", "list", "--remote"); !strings.Contains(out, name) || !strings.Contains(out, "daily") {
			t.Errorf("list --remote: %s", out)
		}
		if out := cli("backup", "fetch", name); !strings.Contains(out, "fetched") {
			t.Errorf("fetch: %s", out)
		}
		if out := cli("backup", "verify", name, "--restore-test"); !strings.HasPrefix(out, "ok "+name) {
			t.Errorf("verify --restore-test: %s", out)
		}
		if v := remoteList()[0].Verification; v == nil || !v.OK || !v.RestoreTest {
			t.Errorf("the bucket's metadata lacks the verification: %+v", v)
		}

		// Restore by name on a host that has only the bucket, into an
		// empty database.
		removeLocal()
		empty := hsetest.NewTarget(t, engine)
		restoreVars := map[string]string{"DATABASE_URL": empty.DatabaseURL, "HSE_DATA_DIR": dataDir, "HSE_BACKUP_BUCKET": vars["HSE_BACKUP_BUCKET"]}
		if out, errOut, err := runCLI(t, restoreVars, "migrate", "up"); err != nil {
			t.Fatal(err, out, errOut)
		}
		out, errOut, err := runCLI(t, restoreVars, "backup", "restore", name)
		if err != nil || !strings.Contains(out, "fetched "+name) || !strings.Contains(out, "restored "+name) {
			t.Fatalf("restore of a name only in the bucket: %v\n%s%s", err, out, errOut)
		}

		// A forced restore over data uploads its safety backup first.
		if out, errOut, err := runCLI(t, restoreVars, "backup", "restore", name, "--force"); err != nil {
			t.Fatalf("forced restore: %v\n%s%s", err, out, errOut)
		}
		if bs := remoteList(); len(bs) != 2 || bs[0].Label != "safety" {
			t.Errorf("the safety backup is not in the bucket: %+v", bs)
		}

		// Prune with nothing kept leaves only the newest verified backup
		// (the safety backup) in both places.
		vars["HSE_BACKUP_KEEP_DAILY"], vars["HSE_BACKUP_KEEP_WEEKLY"], vars["HSE_BACKUP_KEEP_MONTHLY"] = "0", "0", "0"
		if out := cli("backup", "prune", "--dry-run"); !strings.Contains(out, "would delete "+name+" from s3://hse-backups/production/") {
			t.Errorf("prune --dry-run: %s", out)
		}
		if out := cli("backup", "prune"); !strings.Contains(out, "deleted "+name+" from s3://hse-backups/production/") || strings.Contains(out, "safety") {
			t.Errorf("prune: %s", out)
		}
		if bs := remoteList(); len(bs) != 1 || bs[0].Label != "safety" {
			t.Errorf("left in the bucket after prune: %+v, want the newest verified backup only", bs)
		}

		delete(vars, "HSE_BACKUP_BUCKET")
		if _, _, err := runCLI(t, vars, "backup", "list", "--remote"); err == nil || !strings.Contains(err.Error(), "HSE_BACKUP_BUCKET") {
			t.Errorf("list --remote without a bucket: %v", err)
		}
		if _, _, err := runCLI(t, vars, "backup", "fetch"); !errors.As(err, new(usageError)) {
			t.Errorf("fetch without a name: %v", err)
		}
	})
}

// A bucket that cannot be reached makes create fail, saying the local copy
// is kept.
func TestBackupBucketCLIUploadFailure(t *testing.T) {
	s3fake.SetCredentials(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	tg := hsetest.NewTarget(t, sqlstore.SQLite)
	vars := map[string]string{"DATABASE_URL": tg.DatabaseURL, "HSE_DATA_DIR": t.TempDir(),
		"HSE_BACKUP_BUCKET": "s3://hse-backups/production?region=us-east-1&use_path_style=true&endpoint=http://" + closed}
	if _, _, err := runCLI(t, vars, "migrate", "up"); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, vars, "backup", "create")
	if err == nil || !strings.Contains(err.Error(), "upload failed (the local copy") || !strings.Contains(out, "created ") {
		t.Errorf("create with an unreachable bucket: %v\n%s", err, out)
	}
	if _, _, err := runCLI(t, vars, "backup", "list", "--remote"); err == nil || !strings.Contains(err.Error(), "backup bucket s3://hse-backups/production/") {
		t.Errorf("list --remote with an unreachable bucket: %v", err)
	}
}
