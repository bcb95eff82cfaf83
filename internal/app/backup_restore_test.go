package app_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/backup"
	"github.com/hsedigital/hse/internal/hsetest"
	"github.com/hsedigital/hse/internal/sqlstore"
)

// A restore that fails part way, after the old tables were dropped and
// some new ones filled, must leave the database with its old data, say so,
// and name the safety backup. The backup passes verification (checksum and
// gzip stream): what fails is replaying it. On PostgreSQL the dump has a
// bad statement after its first table's rows; on SQLite the database may
// not grow past its size (a full disk) while the bigger backup is copied.
func TestRestoreFailingPartWayLeavesTheOldData(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		src := apptest.New(t, engine)
		src.Signup("Backed Up Fuel")
		dir := t.TempDir()
		now := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
		if engine == sqlstore.SQLite {
			err := src.App.DB.SetMeta(ctx, "restore-test-ballast", strings.Repeat("x", 4<<20))
			if err != nil {
				t.Fatal(err)
			}
		}
		m, err := backup.Create(ctx, src.App.DB, targetOf(src), dir, "", now)
		if err != nil {
			t.Fatal(err)
		}
		if engine == sqlstore.Postgres {
			breakDumpAfterFirstCopy(t, dir, m)
		}
		if v, err := backup.Verify(ctx, dir, m.Name, nil, now); err != nil || !v.Verification.OK {
			t.Fatalf("the sabotaged backup must still pass verification: %v", err)
		}

		// The database restored into, with data of its own.
		dst := apptest.New(t, engine)
		owner := dst.Signup("Kept Fuel")
		if engine == sqlstore.SQLite {
			fillTo := pageCount(t, dst.App.DB)
			execWriter(t, dst.App.DB, "PRAGMA max_page_count = "+strconv.Itoa(fillTo+16))
		}
		before, err := dst.App.DB.RowCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		safetyDir := t.TempDir()
		_, err = backup.Restore(ctx, dst.App.DB, targetOf(dst), filepath.Join(dir, m.File),
			backup.RestoreOptions{Force: true, SafetyBackup: true, Dir: safetyDir}, now.Add(time.Hour))
		if engine == sqlstore.SQLite {
			execWriter(t, dst.App.DB, "PRAGMA max_page_count = 1073741823")
		}
		var re *backup.RestoreError
		if !errors.As(err, &re) {
			t.Fatalf("restore of a backup that fails part way: %v, want a *backup.RestoreError", err)
		}
		msg := err.Error()
		t.Logf("the failed restore says:\n%s", msg)

		// The old data is all there, and the platform works on it.
		after, err := dst.App.DB.RowCounts(ctx)
		if err != nil {
			t.Fatalf("reading the database after the failed restore: %v", err)
		}
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("rows per table changed by the failed restore (-before +after):\n%s", diff)
		}
		if v, _ := dst.App.DB.SchemaVersion(ctx); v != sqlstore.LatestVersion(engine) {
			t.Errorf("schema version after the failed restore = %d, want %d", v, sqlstore.LatestVersion(engine))
		}
		dst.Must(200, dst.Call("GET", "/api/ready", "", nil))
		dst.Login(owner)
		dst.Must(200, dst.Call("GET", "/api/auth/me", owner.Access, nil))

		// The message says what state the database is in and where the
		// safety backup is.
		safety, _ := backup.List(safetyDir)
		if len(safety) != 1 || safety[0].Label != "safety" {
			t.Fatalf("safety backups: %+v", safety)
		}
		for _, want := range []string{"The restore was rolled back", "still holds its data from before the restore",
			"safety backup of that data is " + safety[0].Name, "hse backup restore " + safety[0].Name + " --force"} {
			if !strings.Contains(msg, want) {
				t.Errorf("the error does not say %q:\n%s", want, msg)
			}
		}
		if !re.Unchanged() {
			t.Errorf("the error reports a changed database: %s", msg)
		}
	})
}

// breakDumpAfterFirstCopy puts a failing statement into a PostgreSQL dump
// after the rows of its first table, and updates the checksum so that the
// backup still verifies.
func breakDumpAfterFirstCopy(t *testing.T, dir string, m *backup.Metadata) {
	t.Helper()
	path := filepath.Join(dir, m.File)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sql, err := io.ReadAll(zr)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(sql), "\n")
	inCopy, done := false, false
	var out strings.Builder
	for _, l := range lines {
		out.WriteString(l)
		switch {
		case strings.HasPrefix(l, "COPY "):
			inCopy = true
		case inCopy && l == "\\.\n" && !done:
			out.WriteString("SELECT restore_test_no_such_function();\n")
			inCopy, done = false, true
		}
	}
	if !done {
		t.Fatal("the dump has no COPY block")
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(out.String()))
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o640); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	m.SHA256, m.SizeBytes = hex.EncodeToString(sum[:]), int64(buf.Len())
	if err := backup.WriteMetadata(dir, m); err != nil {
		t.Fatal(err)
	}
}

// pageCount is the size of a SQLite database in pages.
func pageCount(t *testing.T, db *sqlstore.DB) int {
	t.Helper()
	var n int
	err := db.InTx(context.Background(), sqlstore.Scope{Platform: true}, func(tx *sqlstore.Tx) error {
		return tx.QueryRow(context.Background(), `PRAGMA page_count`).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// execWriter runs a statement on the SQLite writer connection, whose
// pragmas last as long as it does.
func execWriter(t *testing.T, db *sqlstore.DB, stmt string) {
	t.Helper()
	err := db.InTx(context.Background(), sqlstore.Scope{Platform: true}, func(tx *sqlstore.Tx) error {
		_, err := tx.Exec(context.Background(), stmt)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}
