package backup_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hsedigital/hse/internal/backup"
	"github.com/hsedigital/hse/internal/blobstore/s3fake"
)

// gzBackup writes a backup whose artifact is a real gzip stream with a
// matching checksum, never verified (as made before backups were verified
// at creation); corrupt flips a byte of it after the checksum was taken.
func gzBackup(t *testing.T, dir, name string, at time.Time, corrupt bool) *backup.Metadata {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(strings.Repeat("INSERT INTO t VALUES ('"+name+"');\n", 200)))
	zw.Close()
	b := buf.Bytes()
	sum := sha256.Sum256(b)
	m := &backup.Metadata{Name: name, File: name + ".sqlite.gz", CreatedAt: at, Engine: "sqlite",
		SizeBytes: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}
	if corrupt {
		b[len(b)/2] ^= 0xff
	}
	if err := os.WriteFile(filepath.Join(dir, m.File), b, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := backup.WriteMetadata(dir, m); err != nil {
		t.Fatal(err)
	}
	return m
}

// pruneFixture is four nightly backups, newest first: a corrupt one never
// verified, a good one verified before, a good one never verified, and the
// oldest, verified. Judged by age alone with two dailies, the corrupt one
// would hold a daily and the oldest good ones would go.
func pruneFixture(t *testing.T, dir string) []*backup.Metadata {
	t.Helper()
	day := func(d int) time.Time { return time.Date(2026, 11, d, 2, 0, 0, 0, time.UTC) }
	ms := []*backup.Metadata{
		gzBackup(t, dir, "hse-20261127-020000", day(27), true),
		gzBackup(t, dir, "hse-20261126-020000", day(26), false),
		gzBackup(t, dir, "hse-20261125-020000", day(25), false),
		gzBackup(t, dir, "hse-20261124-020000", day(24), false),
	}
	for _, m := range []*backup.Metadata{ms[1], ms[3]} {
		m.Verification = &backup.Verification{At: m.CreatedAt, OK: true}
		if err := backup.WriteMetadata(dir, m); err != nil {
			t.Fatal(err)
		}
	}
	return ms
}

var twoDailies = backup.Retention{Daily: 2}

func states(bs []backup.Metadata) map[string]string {
	out := map[string]string{}
	for _, b := range bs {
		out[b.Name] = b.State()
	}
	return out
}

func TestPruneCountsOnlyVerifiedBackups(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	ms := pruneFixture(t, dir)

	// A dry run verifies in memory only and deletes nothing.
	would, err := backup.Prune(ctx, dir, twoDailies, now, true)
	if err != nil || !slices.Equal(would, []string{ms[3].Name}) {
		t.Errorf("dry run: would delete %v (%v), want only the oldest %s", would, err, ms[3].Name)
	}
	if bs, _ := backup.List(dir); len(bs) != 4 || states(bs)[ms[0].Name] != backup.StateUnverified {
		t.Errorf("the dry run changed the directory: %v", states(bs))
	}

	removed, err := backup.Prune(ctx, dir, twoDailies, now, false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(removed, []string{ms[3].Name}) {
		t.Errorf("pruned %v, want only %s", removed, ms[3].Name)
	}
	bs, _ := backup.List(dir)
	want := map[string]string{ms[0].Name: backup.StateFailed, ms[1].Name: backup.StateVerified, ms[2].Name: backup.StateVerified}
	if got := states(bs); !maps.Equal(got, want) {
		t.Errorf("after prune: %v, want %v", got, want)
	}
	for _, b := range bs {
		if b.Name == ms[0].Name && (b.Verification == nil || !strings.Contains(b.Verification.Error, "corrupt")) {
			t.Errorf("the corrupt backup's recorded verification: %+v", b.Verification)
		}
	}
	plan := twoDailies.Plan(bs)
	if !slices.Equal(plan[ms[0].Name], []string{backup.KeepFailedRecent}) || !slices.Equal(plan[ms[1].Name], []string{"daily"}) || !slices.Equal(plan[ms[2].Name], []string{"daily"}) {
		t.Errorf("plan after prune: %v", plan)
	}

	// Once a newer backup is verified, the corrupt one goes; with every
	// class at 0, the newest verified backup still stays.
	newer := gzBackup(t, dir, "hse-20261128-020000", now.Add(24*time.Hour), false)
	removed, err = backup.Prune(ctx, dir, backup.Retention{}, now.Add(25*time.Hour), false)
	if err != nil {
		t.Fatal(err)
	}
	if bs, _ := backup.List(dir); len(bs) != 1 || bs[0].Name != newer.Name || bs[0].State() != backup.StateVerified {
		t.Errorf("left after pruning with nothing kept: %v (removed %v)", states(bs), removed)
	}
}

// A backup that cannot be read is not recorded as bad: the prune stops,
// deleting nothing.
func TestPruneStopsAtAnUnreadableBackup(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ms := pruneFixture(t, dir)
	path := filepath.Join(dir, ms[2].File)
	os.Remove(path)
	if err := os.Mkdir(path, 0o750); err != nil { // opens, but cannot be read
		t.Fatal(err)
	}
	removed, err := backup.Prune(ctx, dir, twoDailies, time.Now(), false)
	if err == nil || !strings.Contains(err.Error(), "verifying "+ms[2].Name) {
		t.Errorf("prune over an unreadable backup: %v", err)
	}
	if len(removed) != 0 {
		t.Errorf("deleted %v", removed)
	}
	m, _ := backup.ReadMetadata(filepath.Join(dir, ms[2].Name+".json"))
	if m == nil || m.Verification != nil {
		t.Errorf("the unreadable backup was given a verdict: %+v", m)
	}
}

// The bucket is pruned by the same rule, verifying its never-verified
// backups as they stream by and recording the result there.
func TestBucketPruneCountsOnlyVerifiedBackups(t *testing.T) {
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
			ms := pruneFixture(t, dir)
			for _, m := range ms {
				if err := r.Upload(ctx, dir, m); err != nil {
					t.Fatal(err)
				}
			}
			now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
			if would, err := r.Prune(ctx, twoDailies, now, true); err != nil || !slices.Equal(would, []string{ms[3].Name}) {
				t.Errorf("dry run: %v %v", would, err)
			}
			if bs, _ := r.List(ctx); len(bs) != 4 || states(bs)[ms[0].Name] != backup.StateUnverified {
				t.Errorf("the dry run changed the bucket: %v", states(bs))
			}
			removed, err := r.Prune(ctx, twoDailies, now, false)
			if err != nil || !slices.Equal(removed, []string{ms[3].Name}) {
				t.Errorf("pruned %v (%v), want only %s", removed, err, ms[3].Name)
			}
			bs, _ := r.List(ctx)
			want := map[string]string{ms[0].Name: backup.StateFailed, ms[1].Name: backup.StateVerified, ms[2].Name: backup.StateVerified}
			if got := states(bs); !maps.Equal(got, want) {
				t.Errorf("bucket after prune: %v, want %v", got, want)
			}
		})
	}
}

// A drill that cannot run (here: no PostgreSQL server for a PostgreSQL
// backup's restore test) says so and leaves the backup's recorded state
// alone: a broken drill must not make a good backup lose its place in the
// retention. A damaged file is still recorded as failed.
func TestVerifyThatCannotRunRecordsNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	m := gzBackup(t, dir, "hse-20261127-020000", time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC), false)
	m.Engine, m.File = "postgres", m.Name+".sql.gz"
	if err := os.Rename(filepath.Join(dir, m.Name+".sqlite.gz"), filepath.Join(dir, m.File)); err != nil {
		t.Fatal(err)
	}
	m.Verification = &backup.Verification{At: m.CreatedAt, OK: true}
	if err := backup.WriteMetadata(dir, m); err != nil {
		t.Fatal(err)
	}
	sqliteOnly := backup.NewScratch(backup.Target{Engine: "sqlite", SQLitePath: filepath.Join(t.TempDir(), "hse.db")})
	_, err := backup.Verify(ctx, dir, m.Name, sqliteOnly, time.Now())
	if err == nil || !strings.Contains(err.Error(), "could not run") {
		t.Errorf("verify --restore-test without a PostgreSQL server: %v", err)
	}
	got, _ := backup.ReadMetadata(filepath.Join(dir, m.Name+".json"))
	if got.State() != backup.StateVerified || got.Verification.RestoreTest {
		t.Errorf("the recorded verification changed: %+v", got.Verification)
	}

	b, _ := os.ReadFile(filepath.Join(dir, m.File))
	os.WriteFile(filepath.Join(dir, m.File), b[:len(b)/2], 0o640)
	if _, err := backup.Verify(ctx, dir, m.Name, nil, time.Now()); err == nil {
		t.Error("a truncated file verified")
	}
	if got, _ := backup.ReadMetadata(filepath.Join(dir, m.Name+".json")); got.State() != backup.StateFailed {
		t.Errorf("a truncated file is recorded as %s", got.State())
	}
}
